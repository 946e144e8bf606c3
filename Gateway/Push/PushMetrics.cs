using System.Diagnostics.Metrics;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Customers;
using Engagement.Grains.Hosting;
using Engagement.Storage;

namespace Engagement.Gateway.Push;

/// <summary>
/// Push instruments on the <c>Engagement</c> meter: how long a change takes from its events' acceptance to a
/// watcher, and who watches on this gateway (customers watched, hub connections), read when scraped.
/// </summary>
public static class PushMetrics
{
    public const string SignalR = "signalr";
    public const string Grpc = "grpc";

    private static readonly Histogram<double> CardLatency = EngagementMeter.Seconds(
        "engagement.push.card.duration",
        "From the durable acceptance of a customer's events to the send of the changed card to a watcher, by transport (signalr, grpc).",
        MetricBuckets.Pushes);

    internal static GaugeSources<CardFeed> Feeds { get; } = new();

    internal static GaugeSources<AgentWatches> AgentConnections { get; } = new();

    internal static GaugeSources<SupervisorConnections> SupervisorConnections { get; } = new();

    private static readonly ObservableGauge<long> WatchedCustomers = EngagementMeter.Instance.CreateObservableGauge(
        "engagement.push.watched_customers", () => Feeds.Sum(feed => feed.WatchedCount), unit: "{customer}",
        description: "Customers watched through this gateway (by any number of SignalR or gRPC watchers).");

    private static readonly ObservableGauge<long> Connections = EngagementMeter.Instance.CreateObservableGauge(
        "engagement.push.connections", ObserveConnections, unit: "{connection}",
        description: "SignalR connections on this gateway, by hub (agent, supervisor).");

    /// <summary>A card went out to a watcher; only cards pushed for applied events carry the time to measure from.</summary>
    public static void CardSent(CustomerCard card, string transport, TimeProvider machineClock)
    {
        if (card.AcceptedAt is not { } acceptedAt) return;
        // Silo and gateway clocks may differ by a little in a cluster; a negative span is that, not a time travel.
        CardLatency.Record(Math.Max(0, (machineClock.GetUtcNow() - acceptedAt).TotalSeconds), new KeyValuePair<string, object?>("transport", transport));
    }

    private static IEnumerable<Measurement<long>> ObserveConnections() =>
    [
        new(AgentConnections.Sum(watches => watches.ConnectionCount), new KeyValuePair<string, object?>("hub", "agent")),
        new(SupervisorConnections.Sum(connections => connections.Count), new KeyValuePair<string, object?>("hub", "supervisor")),
    ];
}
