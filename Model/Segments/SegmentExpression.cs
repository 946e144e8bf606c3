using System.Globalization;

namespace Engagement.Model;

/// <summary>A named segment rule, parsed.</summary>
public sealed record Segment(string Name, SegmentExpression Rule);

/// <summary>A trait's value or a literal: a number or a text.</summary>
public readonly record struct TraitValue(double? Number, string? Text)
{
    public static TraitValue Of(double number) => new(number, null);

    public static TraitValue Of(string text) => new(null, text);

    /// <summary>The value as a number: a number itself, or a text that reads as one (a profile attribute "34").</summary>
    public double? AsNumber() =>
        Number ?? (double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null);

    public string AsText() => Text ?? Number!.Value.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => Number is { } n ? n.ToString(CultureInfo.InvariantCulture) : $"'{Text}'";
}

public enum ComparisonOperator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

/// <summary>
/// The typed expression tree of a segment rule. Evaluation looks traits up by name; a trait the customer
/// does not have makes every comparison on it false (so <c>not (region = north)</c> holds for a customer
/// without a region, while <c>region != north</c> does not).
/// </summary>
public abstract record SegmentExpression
{
    public abstract bool Evaluate(Func<string, TraitValue?> trait);
}

public sealed record AndExpression(SegmentExpression Left, SegmentExpression Right) : SegmentExpression
{
    public override bool Evaluate(Func<string, TraitValue?> trait) => Left.Evaluate(trait) && Right.Evaluate(trait);

    public override string ToString() => $"({Left} and {Right})";
}

public sealed record OrExpression(SegmentExpression Left, SegmentExpression Right) : SegmentExpression
{
    public override bool Evaluate(Func<string, TraitValue?> trait) => Left.Evaluate(trait) || Right.Evaluate(trait);

    public override string ToString() => $"({Left} or {Right})";
}

public sealed record NotExpression(SegmentExpression Operand) : SegmentExpression
{
    public override bool Evaluate(Func<string, TraitValue?> trait) => !Operand.Evaluate(trait);

    public override string ToString() => $"(not {Operand})";
}

/// <summary>
/// <c>trait op literal</c>. Numbers compare numerically (a text trait that reads as a number too); texts compare
/// ordinally, ignoring case. A number compared with a text that is no number is unequal and unordered.
/// </summary>
public sealed record ComparisonExpression(string Trait, ComparisonOperator Operator, TraitValue Literal) : SegmentExpression
{
    public override bool Evaluate(Func<string, TraitValue?> trait)
    {
        if (trait(Trait) is not { } value) return false;
        int? order = Literal.Number is { } literal
            ? value.AsNumber() is { } number ? number.CompareTo(literal) : null
            : string.Compare(value.AsText(), Literal.Text, StringComparison.OrdinalIgnoreCase);
        return Operator switch
        {
            ComparisonOperator.Equal => order == 0,
            ComparisonOperator.NotEqual => order != 0,
            ComparisonOperator.Less => order < 0,
            ComparisonOperator.LessOrEqual => order <= 0,
            ComparisonOperator.Greater => order > 0,
            ComparisonOperator.GreaterOrEqual => order >= 0,
            _ => throw new InvalidOperationException($"Unknown operator {Operator}."),
        };
    }

    public override string ToString() => $"{Trait} {Operator} {Literal}";
}

/// <summary><c>trait [not] in (v1, v2, …)</c>: equality with any of the values.</summary>
public sealed record InExpression(string Trait, IReadOnlyList<TraitValue> Values, bool Negated) : SegmentExpression
{
    public override bool Evaluate(Func<string, TraitValue?> trait)
    {
        if (trait(Trait) is null) return false;
        var any = Values.Any(v => new ComparisonExpression(Trait, ComparisonOperator.Equal, v).Evaluate(trait));
        return any != Negated;
    }

    public override string ToString() => $"{Trait} {(Negated ? "not in" : "in")} ({string.Join(", ", Values)})";
}
