using System.Diagnostics.Metrics;
using Engagement.Storage;

namespace Engagement.Gateway.Ingest;

/// <summary>Ingest instruments on the <c>Engagement</c> meter.</summary>
public static class IngestMetrics
{
    private static readonly Counter<long> Events = EngagementMeter.Instance.CreateCounter<long>(
        "engagement.ingest.events", unit: "{event}", description: "Events received, by outcome: accepted, duplicate or rejected.");
    private static readonly Histogram<double> AckLatency = EngagementMeter.Seconds(
        "engagement.ingest.ack.duration",
        "From a batch's arrival to its durable acknowledgement.",
        MetricBuckets.Commits);

    public static void Record(int accepted, int duplicates, int rejected, TimeSpan latency)
    {
        if (accepted > 0) Events.Add(accepted, new KeyValuePair<string, object?>("outcome", "accepted"));
        if (duplicates > 0) Events.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
        if (rejected > 0) Events.Add(rejected, new KeyValuePair<string, object?>("outcome", "rejected"));
        AckLatency.Record(latency.TotalSeconds);
    }
}
