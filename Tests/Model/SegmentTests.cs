using Engagement.Model;

namespace Engagement.Tests.Model;

public sealed class SegmentTests
{
    private static readonly Dictionary<string, TraitValue> Customer = new()
    {
        ["tier"] = TraitValue.Of("A"),
        ["region"] = TraitValue.Of("north"),
        ["city"] = TraitValue.Of("Saint John"),
        ["churn_risk"] = TraitValue.Of(0.62),
        ["engagement"] = TraitValue.Of(40),
        ["age"] = TraitValue.Of("34"),
    };

    private static bool Matches(string rule) => SegmentParser.Parse(rule).Evaluate(name => Customer.TryGetValue(name, out var v) ? v : null);

    [Theory]
    [InlineData("tier = A and region = north and churn_risk > 0.5", true)]
    [InlineData("tier == 'a'", true)]
    [InlineData("tier != A", false)]
    [InlineData("tier <> B", true)]
    [InlineData("churn_risk < 0.62", false)]
    [InlineData("churn_risk <= 0.62", true)]
    [InlineData("churn_risk > 0.62", false)]
    [InlineData("churn_risk >= 0.62", true)]
    [InlineData("engagement > -5", true)]
    [InlineData("age >= 30 and age < 40", true)]
    [InlineData("region in (south, north)", true)]
    [InlineData("region in ('south', \"east\")", false)]
    [InlineData("region not in (south, east)", true)]
    [InlineData("city = 'Saint John'", true)]
    [InlineData("not tier = B", true)]
    [InlineData("not (tier = A or region = south)", false)]
    [InlineData("tier = B or region = north and engagement > 30", true)]
    [InlineData("(tier = B or region = north) and engagement > 50", false)]
    [InlineData("TIER = A AND Region = NORTH", true)]
    [InlineData("income = high", false)]
    [InlineData("income != high", false)]
    [InlineData("not income = high", true)]
    [InlineData("tier > 5", false)]
    public void Evaluates_every_operator(string rule, bool expected) => Assert.Equal(expected, Matches(rule));

    [Fact]
    public void And_binds_tighter_than_or()
    {
        var tree = SegmentParser.Parse("a = 1 or b = 2 and c = 3");
        var or = Assert.IsType<OrExpression>(tree);
        Assert.IsType<ComparisonExpression>(or.Left);
        Assert.IsType<AndExpression>(or.Right);
    }

    [Fact]
    public void Parses_into_a_typed_tree()
    {
        var tree = SegmentParser.Parse("churn_risk >= 0.5");
        Assert.Equal(new ComparisonExpression("churn_risk", ComparisonOperator.GreaterOrEqual, TraitValue.Of(0.5)), tree);
    }

    [Theory]
    [InlineData("", 1, "expected a trait name")]
    [InlineData("tier =", 7, "expected a value")]
    [InlineData("tier = A and", 13, "expected a trait name")]
    [InlineData("tier A", 6, "expected a comparison")]
    [InlineData("(tier = A", 10, "expected ')'")]
    [InlineData("tier = A)", 9, "expected 'and', 'or' or the end")]
    [InlineData("tier = 'A", 8, "unterminated text")]
    [InlineData("tier ! A", 6, "'!' must be followed by '='")]
    [InlineData("tier = A # comment", 10, "unexpected character '#'")]
    [InlineData("region in north", 11, "expected '(' after 'in'")]
    [InlineData("region in (a b)", 14, "expected ',' or ')'")]
    [InlineData("region not = a", 12, "expected 'in' after 'not'")]
    [InlineData("and = 1", 1, "expected a trait name")]
    [InlineData("x = 1.2.3", 5, "is not a number")]
    [InlineData("x = 12abc", 7, "after number")]
    public void Parse_errors_name_the_position(string rule, int position, string message)
    {
        var error = Assert.Throws<SegmentParseException>(() => SegmentParser.Parse(rule));
        Assert.Equal(position, error.Position);
        Assert.Contains(message, error.Message);
        Assert.Contains($"at position {position}", error.Message);
    }

    [Theory]
    [InlineData(SegmentParser.MaxNesting, true)]
    [InlineData(SegmentParser.MaxNesting + 1, false)]
    public void Nesting_is_limited_instead_of_overflowing_the_stack(int depth, bool parses)
    {
        var nots = string.Concat(Enumerable.Repeat("not ", depth)) + "tier = A";
        var parens = new string('(', depth) + "tier = A" + new string(')', depth);
        foreach (var rule in new[] { nots, parens })
        {
            if (parses) Assert.NotNull(SegmentParser.Parse(rule));
            else Assert.Contains("nested more than", Assert.Throws<SegmentParseException>(() => SegmentParser.Parse(rule)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_hundred_thousand_nots_are_refused_not_a_stack_overflow() =>
        Assert.Throws<SegmentParseException>(() => SegmentParser.Parse(string.Concat(Enumerable.Repeat("not ", 100_000)) + "tier = A"));

    [Fact]
    public void Comparisons_per_rule_are_limited()
    {
        string Chain(int n) => string.Join(" or ", Enumerable.Range(0, n).Select(i => $"tier = T{i}"));
        Assert.NotNull(SegmentParser.Parse(Chain(SegmentParser.MaxComparisons)));
        Assert.Contains("comparisons", Assert.Throws<SegmentParseException>(() => SegmentParser.Parse(Chain(SegmentParser.MaxComparisons + 1))).Message, StringComparison.Ordinal);
    }
}
