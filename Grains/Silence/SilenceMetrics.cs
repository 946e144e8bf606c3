using System.Diagnostics.Metrics;
using Engagement.Storage;

namespace Engagement.Grains.Silence;

/// <summary>Silence instruments on the <c>Engagement</c> meter.</summary>
public static class SilenceMetrics
{
    private static readonly Histogram<double> Lateness = EngagementMeter.Seconds(
        "engagement.silence.lateness",
        "How long after its due time (business clock) a customer's silence check ran; one per check.",
        MetricBuckets.Background);

    /// <summary>A check that ran at <paramref name="checkedAt"/> for a customer due at <paramref name="dueAt"/>.</summary>
    public static void RecordCheck(DateTimeOffset dueAt, DateTimeOffset checkedAt) =>
        Lateness.Record(Math.Max(0, (checkedAt - dueAt).TotalSeconds));
}
