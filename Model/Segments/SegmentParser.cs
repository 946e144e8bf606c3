using System.Globalization;
using System.Text;

namespace Engagement.Model;

/// <summary>A segment rule that does not parse; <see cref="Position"/> is 1-based, counted in characters.</summary>
public sealed class SegmentParseException(string message, int position)
    : FormatException($"{message} at position {position}")
{
    public int Position { get; } = position;
}

/// <summary>
/// Parses segment rules such as <c>tier = A and region = north and churn_risk &gt; 0.5</c> into a
/// <see cref="SegmentExpression"/>. A hand-written tokenizer and recursive-descent parser, deliberately not a
/// script engine. Grammar (keywords case-insensitive):
/// <code>
/// rule       := or
/// or         := and ('or' and)*
/// and        := unary ('and' unary)*
/// unary      := 'not' unary | '(' or ')' | comparison
/// comparison := NAME op value | NAME ['not'] 'in' '(' value (',' value)* ')'
/// op         := '=' | '==' | '!=' | '&lt;&gt;' | '&lt;' | '&lt;=' | '&gt;' | '&gt;='
/// value      := NUMBER | 'text' | "text" | WORD          (a bare word is text: region = north)
/// </code>
/// </summary>
public static class SegmentParser
{
    /// <summary>How deep 'not' and parentheses may nest: far beyond any real rule, far below what a stack holds.</summary>
    public const int MaxNesting = 32;

    /// <summary>How many comparisons one rule may hold (a long 'or' chain is evaluated recursively, too).</summary>
    public const int MaxComparisons = 256;

    /// <summary>The longest rule text accepted.</summary>
    public const int MaxLength = 8192;

    public static SegmentExpression Parse(string rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Length > MaxLength) throw new SegmentParseException($"the rule is longer than {MaxLength} characters", MaxLength + 1);
        var parser = new Parser(Tokenize(rule));
        var expression = parser.Or();
        parser.ExpectEnd();
        return expression;
    }

    private enum Kind { Word, Number, Text, Operator, LeftParen, RightParen, Comma, End }

    private readonly record struct Token(Kind Kind, string Value, int Position)
    {
        public bool IsKeyword(string keyword) => Kind == Kind.Word && Value.Equals(keyword, StringComparison.OrdinalIgnoreCase);

        public string Describe() => Kind switch
        {
            Kind.End => "the end of the rule",
            Kind.Text => $"text '{Value}'",
            _ => $"'{Value}'",
        };
    }

    private static List<Token> Tokenize(string rule)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < rule.Length)
        {
            var c = rule[i];
            var start = i;
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '(') { tokens.Add(new Token(Kind.LeftParen, "(", start + 1)); i++; continue; }
            if (c == ')') { tokens.Add(new Token(Kind.RightParen, ")", start + 1)); i++; continue; }
            if (c == ',') { tokens.Add(new Token(Kind.Comma, ",", start + 1)); i++; continue; }
            if (c is '=' or '!' or '<' or '>')
            {
                var two = i + 1 < rule.Length ? rule.Substring(i, 2) : null;
                var op = two is "==" or "!=" or "<=" or ">=" or "<>" ? two : c.ToString();
                if (op == "!") throw new SegmentParseException("'!' must be followed by '=' (use != or not)", start + 1);
                tokens.Add(new Token(Kind.Operator, op, start + 1));
                i += op.Length;
                continue;
            }

            if (c is '\'' or '"')
            {
                var text = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= rule.Length) throw new SegmentParseException($"unterminated text starting with {c}", start + 1);
                    if (rule[i] == c)
                    {
                        // A doubled quote stands for the quote itself: 'can''t'.
                        if (i + 1 < rule.Length && rule[i + 1] == c) { text.Append(c); i += 2; continue; }
                        i++;
                        break;
                    }

                    text.Append(rule[i++]);
                }

                tokens.Add(new Token(Kind.Text, text.ToString(), start + 1));
                continue;
            }

            if (char.IsAsciiDigit(c) || (c is '-' or '.' && i + 1 < rule.Length && (char.IsAsciiDigit(rule[i + 1]) || rule[i + 1] == '.')))
            {
                i++;
                while (i < rule.Length && (char.IsAsciiDigit(rule[i]) || rule[i] == '.')) i++;
                var number = rule[start..i];
                if (!double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
                {
                    throw new SegmentParseException($"'{number}' is not a number", start + 1);
                }

                if (i < rule.Length && IsWordChar(rule[i])) throw new SegmentParseException($"unexpected '{rule[i]}' after number {number}", i + 1);
                tokens.Add(new Token(Kind.Number, number, start + 1));
                continue;
            }

            if (IsWordChar(c))
            {
                while (i < rule.Length && (IsWordChar(rule[i]) || char.IsAsciiDigit(rule[i]) || rule[i] is '.' or '-')) i++;
                tokens.Add(new Token(Kind.Word, rule[start..i], start + 1));
                continue;
            }

            throw new SegmentParseException($"unexpected character '{c}'", start + 1);
        }

        tokens.Add(new Token(Kind.End, "", rule.Length + 1));
        return tokens;
    }

    private static bool IsWordChar(char c) => char.IsLetter(c) || c == '_';

    private sealed class Parser(List<Token> tokens)
    {
        private static readonly string[] Keywords = ["and", "or", "not", "in"];
        private int index;
        private int nesting;
        private int comparisons;

        private Token Current => tokens[index];

        public void ExpectEnd()
        {
            if (Current.Kind != Kind.End) throw Error($"expected 'and', 'or' or the end of the rule but found {Current.Describe()}");
        }

        public SegmentExpression Or() => Chain("or", And, (left, right) => new OrExpression(left, right));

        private SegmentExpression And() => Chain("and", Unary, (left, right) => new AndExpression(left, right));

        /// <summary>operand (keyword operand)*, grouped to the left.</summary>
        private SegmentExpression Chain(string keyword, Func<SegmentExpression> operand, Func<SegmentExpression, SegmentExpression, SegmentExpression> combine)
        {
            var left = operand();
            while (Current.IsKeyword(keyword))
            {
                index++;
                left = combine(left, operand());
            }

            return left;
        }

        private SegmentExpression Unary()
        {
            if (Current.IsKeyword("not"))
            {
                Enter();
                index++;
                var negated = new NotExpression(Unary());
                nesting--;
                return negated;
            }

            if (Current.Kind == Kind.LeftParen)
            {
                Enter();
                index++;
                var inner = Or();
                Expect(Kind.RightParen, "')'");
                nesting--;
                return inner;
            }

            if (++comparisons > MaxComparisons) throw Error($"more than {MaxComparisons} comparisons in one rule");
            return Comparison();
        }

        /// <summary>One level deeper ('not' or '('), refused beyond <see cref="MaxNesting"/> instead of overflowing the stack.</summary>
        private void Enter()
        {
            if (++nesting > MaxNesting) throw Error($"'not' and parentheses nested more than {MaxNesting} deep");
        }

        private SegmentExpression Comparison()
        {
            if (Current.Kind != Kind.Word || IsKeyword(Current)) throw Error($"expected a trait name but found {Current.Describe()}");
            var trait = Current.Value.ToLowerInvariant();
            index++;

            var negated = false;
            if (Current.IsKeyword("not"))
            {
                negated = true;
                index++;
                if (!Current.IsKeyword("in")) throw Error($"expected 'in' after 'not' but found {Current.Describe()}");
            }

            if (Current.IsKeyword("in"))
            {
                index++;
                Expect(Kind.LeftParen, "'(' after 'in'");
                var values = new List<TraitValue> { Value() };
                while (Current.Kind == Kind.Comma)
                {
                    index++;
                    values.Add(Value());
                }

                Expect(Kind.RightParen, "',' or ')'");
                return new InExpression(trait, values, negated);
            }

            if (Current.Kind != Kind.Operator) throw Error($"expected a comparison (=, !=, <, <=, >, >=, in) after '{trait}' but found {Current.Describe()}");
            var op = Current.Value switch
            {
                "=" or "==" => ComparisonOperator.Equal,
                "!=" or "<>" => ComparisonOperator.NotEqual,
                "<" => ComparisonOperator.Less,
                "<=" => ComparisonOperator.LessOrEqual,
                ">" => ComparisonOperator.Greater,
                _ => ComparisonOperator.GreaterOrEqual,
            };
            index++;
            return new ComparisonExpression(trait, op, Value());
        }

        private TraitValue Value()
        {
            var token = Current;
            switch (token.Kind)
            {
                case Kind.Number:
                    index++;
                    return TraitValue.Of(double.Parse(token.Value, CultureInfo.InvariantCulture));
                case Kind.Text:
                    index++;
                    return TraitValue.Of(token.Value);
                case Kind.Word when !IsKeyword(token):
                    index++;
                    return TraitValue.Of(token.Value);
                default:
                    throw Error($"expected a value (number, 'text' or word) but found {token.Describe()}");
            }
        }

        private void Expect(Kind kind, string what)
        {
            if (Current.Kind != kind) throw Error($"expected {what} but found {Current.Describe()}");
            index++;
        }

        private static bool IsKeyword(Token token) => Keywords.Any(token.IsKeyword);

        private SegmentParseException Error(string message) => new(message, Current.Position);
    }
}
