using System.Diagnostics.Metrics;

namespace Engagement.Storage;

/// <summary>
/// The engine's one meter, <c>Engagement</c>: every feature's instruments (<c>IngestMetrics</c>, <c>AlertMetrics</c>, ...)
/// are created on it, and telemetry listens to it by <see cref="Name"/>. Here because every project that records
/// metrics references the store.
/// </summary>
public static class EngagementMeter
{
    public const string Name = "Engagement";

    public static Meter Instance { get; } = new(Name);

    /// <summary>
    /// A histogram of durations. Every duration on this meter is in seconds (so its Prometheus name ends in
    /// <c>_seconds</c>) and names its <see cref="MetricBuckets"/>, since the SDK's default boundaries suit milliseconds.
    /// </summary>
    public static Histogram<double> Seconds(string name, string description, InstrumentAdvice<double> buckets) =>
        Instance.CreateHistogram<double>(name, unit: "s", description: description, advice: buckets);
}
