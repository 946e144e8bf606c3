using System.Diagnostics.Metrics;
using Engagement.Contracts.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Storage;

namespace Engagement.Grains.Alerts;

/// <summary>
/// Alert instruments on the <c>Engagement</c> meter: alerts raised and resolved (by the silo that stored them),
/// alerts open now (counted from the store by the gateways' <see cref="OpenAlertCensus"/>), and the alert store's
/// group commits.
/// </summary>
public static class AlertMetrics
{
    private static readonly Counter<long> RaisedCounter = EngagementMeter.Instance.CreateCounter<long>(
        "engagement.alerts.raised", unit: "{alert}", description: "Alerts opened (a cause that refreshes an open alert is not counted), by kind and severity.");

    private static readonly Counter<long> ResolvedCounter = EngagementMeter.Instance.CreateCounter<long>(
        "engagement.alerts.resolved", unit: "{alert}", description: "Alerts resolved, by kind and the severity they had.");

    private static readonly CommitMetrics Commits = new(
        "engagement.alerts.commit.changes", "{change}", "Alert changes written by one group commit of the alert store.",
        "engagement.alerts.commit.duration", "Time to write and commit one group of alert changes.");

    /// <summary>The censuses of this process (a gateway's), read by the open-alerts gauge.</summary>
    internal static GaugeSources<OpenAlertCensus> Censuses { get; } = new();

    private static readonly ObservableGauge<long> Open = EngagementMeter.Instance.CreateObservableGauge("engagement.alerts.open", ObserveOpen, unit: "{alert}",
        description: "Alerts not yet resolved, by kind, severity and state, as the store held them at the last count.");

    public static void Raised(Alert alert) => RaisedCounter.Add(1, Tags(alert));

    public static void Resolved(Alert alert) => ResolvedCounter.Add(1, Tags(alert));

    public static void RecordCommit(int changes, TimeSpan duration) => Commits.Record(changes, duration);

    private static IEnumerable<Measurement<long>> ObserveOpen() =>
        Censuses.Live.SelectMany(census => census.Read())
            .GroupBy(c => (c.Kind, c.Severity, c.State))
            .Select(g => new Measurement<long>(g.Sum(c => c.Count),
                new KeyValuePair<string, object?>("kind", g.Key.Kind.ToString()),
                new KeyValuePair<string, object?>("severity", g.Key.Severity.ToString()),
                new KeyValuePair<string, object?>("state", g.Key.State.ToString())));

    private static KeyValuePair<string, object?>[] Tags(Alert alert) =>
    [
        new("kind", alert.Kind.ToString()),
        new("severity", alert.Severity.ToString()),
    ];
}
