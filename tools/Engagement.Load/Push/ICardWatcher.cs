namespace Engagement.Load.Push;

/// <summary>A customer card as a watcher received it, whatever the transport.</summary>
public readonly record struct WatchedCard(string CustomerId, long Version, IReadOnlyList<string> RecentEventIds, long ReceivedAt);

/// <summary>
/// Follows customer cards over one push transport (the agent hub over SignalR, or gRPC <c>Customers.Watch</c>)
/// and hands every card it receives to the tracker.
/// </summary>
public interface ICardWatcher : IAsyncDisposable
{
    /// <summary>The transport's name for reports, e.g. <c>grpc</c>.</summary>
    string Transport { get; }

    /// <summary>
    /// Starts watching and returns once every customer's current card has arrived (so later changes are pushed),
    /// or throws <see cref="TimeoutException"/> if that takes longer than <paramref name="timeout"/>.
    /// </summary>
    Task StartAsync(IReadOnlyList<string> customerIds, Action<WatchedCard> onCard, TimeSpan timeout, CancellationToken cancellationToken);
}
