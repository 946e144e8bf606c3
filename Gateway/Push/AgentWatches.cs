using Engagement.Gateway.Customers;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// The customers each agent connection on this gateway watches, and the pumps that carry their cards
/// from the <see cref="CardFeed"/> to the connection. Hub instances live for one call; this registry
/// lives as long as the gateway, so it owns everything a connection holds until it disconnects.
/// </summary>
/// <remarks>
/// Watching and unwatching happen at the pace of people, so one lock over the two indexes is cheap
/// and keeps them consistent; the cards themselves flow outside it.
/// </remarks>
public sealed partial class AgentWatches(CardFeed feed, IHubContext<AgentHub, IAgentClient> hub, TimeProvider machineClock, ILogger<AgentWatches> logger)
    : IDisposable
{
    /// <summary>A screen shows tens of customers; a connection asking for more is broken or abusive.</summary>
    public const int MaxWatchesPerConnection = 500;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, Watch>> _byConnection = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byCustomer = new(StringComparer.Ordinal);

    /// <summary>The customers a connection watches (the agent's screen), for pushes that follow them.</summary>
    public IReadOnlyList<string> CustomersWatchedBy(string connectionId)
    {
        lock (_lock) return _byConnection.TryGetValue(connectionId, out var watches) ? [.. watches.Keys] : [];
    }

    /// <summary>The connections on this gateway that watch a customer, for pushes about that customer (alerts).</summary>
    public IReadOnlyList<string> ConnectionsWatching(string customerId)
    {
        lock (_lock) return _byCustomer.TryGetValue(customerId, out var connections) ? [.. connections] : [];
    }

    /// <summary>Agent hub connections on this gateway now.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock) return _byConnection.Count;
        }
    }

    public void Connect(string connectionId)
    {
        // Counted from the first connection on: this registry is made when the hub is first used.
        PushMetrics.AgentConnections.Add(this);
        lock (_lock) _byConnection.TryAdd(connectionId, new(StringComparer.Ordinal));
    }

    public void Dispose() => PushMetrics.AgentConnections.Remove(this);

    /// <summary>Stops every watch of a connection that went away.</summary>
    public async Task DisconnectAsync(string connectionId)
    {
        List<Watch> watches;
        lock (_lock)
        {
            if (!_byConnection.Remove(connectionId, out var byCustomer)) return;
            watches = [.. byCustomer.Values];
            foreach (var watch in watches) RemoveFromCustomerIndex(watch);
        }
        await Task.WhenAll(watches.Select(watch => watch.DisposeAsync().AsTask()));
    }

    /// <param name="scope">The teams whose cards the connection may see (null: every card), see <see cref="Security.CustomerReadScope"/>.</param>
    public async Task WatchAsync(string connectionId, string customerId, CancellationToken connectionAborted, Alerts.TeamScope? scope = null)
    {
        var watch = new Watch(connectionId, customerId);
        lock (_lock)
        {
            // A call that races the connection's end finds it gone: nobody is left to send to.
            if (!_byConnection.TryGetValue(connectionId, out var byCustomer)) return;
            if (byCustomer.ContainsKey(customerId)) return;
            if (byCustomer.Count >= MaxWatchesPerConnection)
            {
                throw new HubException($"customerId: this connection already watches {MaxWatchesPerConnection} customers; unwatch some first");
            }
            byCustomer.Add(customerId, watch);
            if (!_byCustomer.TryGetValue(customerId, out var connections)) _byCustomer[customerId] = connections = new(StringComparer.Ordinal);
            connections.Add(connectionId);
        }

        CardFeed.CardViewer viewer;
        try
        {
            viewer = await feed.WatchAsync(customerId, connectionAborted);
        }
        catch
        {
            Forget(watch);
            throw;
        }
        // An unwatch or a disconnect may have come while the grain answered; then the viewer is not needed.
        if (!watch.Start(viewer, stop => PumpAsync(watch, viewer, scope, stop))) await viewer.DisposeAsync();
    }

    /// <summary>Stops one watch; when this returns, its pump has ended and sends nothing more.</summary>
    public async Task UnwatchAsync(string connectionId, string customerId)
    {
        Watch? watch;
        lock (_lock)
        {
            if (!_byConnection.TryGetValue(connectionId, out var byCustomer) || !byCustomer.Remove(customerId, out watch)) return;
            RemoveFromCustomerIndex(watch);
        }
        await watch.DisposeAsync();
    }

    private void Forget(Watch watch)
    {
        lock (_lock)
        {
            if (_byConnection.TryGetValue(watch.ConnectionId, out var byCustomer)
                && byCustomer.TryGetValue(watch.CustomerId, out var current) && current == watch)
            {
                byCustomer.Remove(watch.CustomerId);
                RemoveFromCustomerIndex(watch);
            }
        }
    }

    private void RemoveFromCustomerIndex(Watch watch)
    {
        if (_byCustomer.TryGetValue(watch.CustomerId, out var connections) && connections.Remove(watch.ConnectionId) && connections.Count == 0)
        {
            _byCustomer.Remove(watch.CustomerId);
        }
    }

    private async Task PumpAsync(Watch watch, CardFeed.CardViewer viewer, Alerts.TeamScope? scope, CancellationToken stop)
    {
        var client = hub.Clients.Client(watch.ConnectionId);
        try
        {
            await foreach (var card in viewer.Cards.ReadAllAsync(stop))
            {
                // A customer moved to another team since the watch began: its changes are no longer this key's to see.
                if (!Security.CustomerReadScope.Shows(scope, card)) continue;
                await client.Card(card, stop);
                PushMetrics.CardSent(card, PushMetrics.SignalR, machineClock);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Unwatched or disconnected: the normal end.
        }
        catch (Exception ex)
        {
            // The connection stays; its client sees no further cards of this customer and may watch again.
            LogPumpFailed(logger, ex, watch.CustomerId, watch.ConnectionId);
            Forget(watch);
            await viewer.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the cards of customer {CustomerId} to connection {ConnectionId} failed; the watch ends")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string customerId, string connectionId);

    /// <summary>One connection's watch of one customer: its viewer and the task that pumps it.</summary>
    private sealed class Watch(string connectionId, string customerId) : IAsyncDisposable
    {
        private readonly Lock _lock = new();
        private readonly CancellationTokenSource _stop = new();
        private CardFeed.CardViewer? _viewer;
        private Task? _pump;
        private bool _stopped;

        public string ConnectionId { get; } = connectionId;

        public string CustomerId { get; } = customerId;

        /// <summary>Starts the pump; false when the watch was stopped before its viewer arrived.</summary>
        public bool Start(CardFeed.CardViewer viewer, Func<CancellationToken, Task> pump)
        {
            lock (_lock)
            {
                if (_stopped) return false;
                _viewer = viewer;
                var stop = _stop.Token;
                _pump = Task.Run(() => pump(stop), CancellationToken.None);
                return true;
            }
        }

        /// <summary>Stops the pump and ends the viewer; once only, whoever calls first.</summary>
        public async ValueTask DisposeAsync()
        {
            Task? pump;
            CardFeed.CardViewer? viewer;
            lock (_lock)
            {
                if (_stopped) return;
                _stopped = true;
                pump = _pump;
                viewer = _viewer;
            }
            await _stop.CancelAsync();
            if (pump is not null) await pump;
            if (viewer is not null) await viewer.DisposeAsync();
            _stop.Dispose();
        }
    }
}
