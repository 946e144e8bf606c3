using System.Diagnostics.Metrics;

namespace Engagement.Storage;

/// <summary>
/// Histogram bucket boundaries for the <c>Engagement</c> meter's instruments, given as instrument advice. The SDK's
/// default boundaries (0 to 10 000) suit milliseconds; these instruments record seconds, or counts per commit.
/// </summary>
public static class MetricBuckets
{
    /// <summary>Rows in one group commit, or items in one batch.</summary>
    public static InstrumentAdvice<int> Sizes { get; } = new() { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000] };

    /// <summary>Store commits and acknowledgements: half a millisecond to five seconds.</summary>
    public static InstrumentAdvice<double> Commits { get; } = Seconds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5);

    /// <summary>Pushes to people: a millisecond to ten seconds.</summary>
    public static InstrumentAdvice<double> Pushes { get; } = Seconds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);

    /// <summary>Background work that may take long (refits, late silence checks): ten milliseconds to an hour.</summary>
    public static InstrumentAdvice<double> Background { get; } = Seconds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600);

    private static InstrumentAdvice<double> Seconds(params double[] boundaries) => new() { HistogramBucketBoundaries = boundaries };
}
