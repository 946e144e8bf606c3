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
}
