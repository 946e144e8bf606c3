using System.Text.RegularExpressions;

namespace Engagement.Tests.Metrics;

/// <summary>Just enough PromQL reading for the dashboard test.</summary>
public static partial class PromQl
{
    /// <summary>
    /// The metric names of a PromQL expression: its identifiers once strings, label matchers, ranges and grouping
    /// clauses are taken out, except function names (followed by a parenthesis) and keywords.
    /// </summary>
    public static IEnumerable<string> MetricNames(string expr)
    {
        var stripped = QuotedString().Replace(expr, " ");
        stripped = LabelMatchers().Replace(stripped, " ");
        stripped = Ranges().Replace(stripped, " ");
        stripped = Grouping().Replace(stripped, " ");
        return Identifier().Matches(stripped).Select(m => m.Value).Where(name => !Keywords.Contains(name)).Distinct();
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan",
    };

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'")]
    private static partial Regex QuotedString();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.$])(?>[a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\()")]
    private static partial Regex Identifier();
}

public sealed class PromQlTests
{
    /// <summary>The reading of queries that the dashboard test relies on: it finds every metric, and nothing else.</summary>
    [Theory]
    [InlineData("histogram_quantile(0.99, sum by (le, transport) (rate(engagement_push_card_duration_seconds_bucket[$__rate_interval])))",
        "engagement_push_card_duration_seconds_bucket")]
    [InlineData("sum by (from, to) (rate(engagement_population_moves_total{dimension=\"stage\", to=~\"At.*\"}[5m]))", "engagement_population_moves_total")]
    [InlineData("sum(rate(a_sum[1h])) / sum(rate(a_count[1h])) > bool 0 or on (instance) b_total offset 5m", "a_sum a_count b_total")]
    [InlineData("max by (kind) (sum without (state) (engagement_alerts_open)) unless ignoring(kind) group_left absent(x)", "engagement_alerts_open x")]
    public void Metric_names_are_read_from_a_query(string expr, string expected) =>
        Assert.Equal(expected.Split(' '), PromQl.MetricNames(expr));
}
