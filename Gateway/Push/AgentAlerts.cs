using System.Collections.Concurrent;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// Alerts on the agent hub: a connection gets the alert changes of the customers it watches and of the
/// alerts assigned to its agent (the key's name), including the change that reassigns one of them to someone
/// else, each change once even when several of these hold. One broadcaster
/// listener for the gateway; a queue per connection, so a slow screen holds up no other.
/// </summary>
/// <remarks>
/// The agent's connections are indexed here rather than reached through <c>Clients.User</c>: a change
/// of a watched customer's alert assigned to the same agent would otherwise be sent twice.
/// </remarks>
public sealed class AgentAlerts : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _byAgent = new(StringComparer.Ordinal);
    private readonly AgentWatches _watches;
    private readonly IHubContext<AgentHub, IAgentClient> _hub;
    private readonly ILogger<AgentAlerts> _logger;
    private readonly IDisposable _listening;
    private readonly IGrainFactory _grains;

    public AgentAlerts(AlertBroadcaster broadcaster, AgentWatches watches, IHubContext<AgentHub, IAgentClient> hub, IGrainFactory grains, ILogger<AgentAlerts> logger)
    {
        _grains = grains;
        _watches = watches;
        _hub = hub;
        _logger = logger;
        _listening = broadcaster.Listen(OnAlertChanged);
    }

    /// <summary>The connections of an agent on this gateway (its screens), for alerts assigned to it.</summary>
    public IReadOnlyList<string> ConnectionsOf(string agentId)
    {
        lock (_lock) return _byAgent.TryGetValue(agentId, out var connections) ? [.. connections] : [];
    }

    /// <summary>
    /// Registers the connection (so it receives changes from now on), then sends the alerts already
    /// assigned to its agent, then the live changes; repeats are dropped.
    /// </summary>
    public async Task ConnectAsync(HubCallerContext context, string agentId)
    {
        var connectionId = context.ConnectionId;
        var outbox = new AlertOutbox(context, (alert, cancellationToken) => _hub.Clients.Client(connectionId).Alert(alert, cancellationToken), _logger);
        if (!_connections.TryAdd(connectionId, new Connection(agentId, outbox, TeamScope.Of(context.User ?? new System.Security.Claims.ClaimsPrincipal())))) return;
        lock (_lock)
        {
            if (!_byAgent.TryGetValue(agentId, out var connections)) _byAgent[agentId] = connections = new(StringComparer.Ordinal);
            connections.Add(connectionId);
        }
        var assigned = agentId.Length == 0 ? [] : await _grains.GetGrain<IAlertQueryGrain>(0).AssignedTo(agentId).WaitAsync(context.ConnectionAborted);
        outbox.Start(assigned, 0);
    }

    /// <summary>
    /// Sends the connection the unresolved alerts of a customer it has just started to watch: the live
    /// changes reach it from the watch on, and these are what was raised before. A change that overtakes
    /// one of them carries a higher sequence, by which clients keep the newest.
    /// </summary>
    public async Task SendOpenAlertsAsync(string connectionId, string customerId, CancellationToken cancellationToken)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return;
        var current = await Task.WhenAll(Enum.GetValues<AlertKind>()
            .Select(kind => _grains.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(customerId, kind)).Current()))
            .WaitAsync(cancellationToken);
        foreach (var alert in current.OfType<Alert>().Where(a => a.State != AlertState.Resolved && connection.Teams.Sees(a.Team)).OrderBy(a => a.Sequence))
        {
            connection.Outbox.Post(alert);
        }
    }

    /// <summary>Forgets a connection; when this returns, it is sent no further alert.</summary>
    public async Task DisconnectAsync(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection)) return;
        lock (_lock)
        {
            if (_byAgent.TryGetValue(connection.AgentId, out var connections) && connections.Remove(connectionId) && connections.Count == 0)
            {
                _byAgent.Remove(connection.AgentId);
            }
        }
        await connection.Outbox.DisposeAsync();
    }

    private ValueTask OnAlertChanged(Alert alert)
    {
        // A watcher sees the alerts of its key's teams only (a north supervisor watching a south customer gets its card,
        // not its alerts); what is assigned to an agent, or taken from it, reaches that agent whatever the team.
        var watching = _watches.ConnectionsWatching(alert.CustomerId)
            .Where(id => _connections.TryGetValue(id, out var watcher) && watcher.Teams.Sees(alert.Team));
        IEnumerable<string> targets = watching;
        if (alert.AssignedTo is { Length: > 0 } agent) targets = targets.Union(ConnectionsOf(agent), StringComparer.Ordinal);
        // The agent it was taken from learns so, and drops it from its list.
        if (alert.ReassignedFrom is { Length: > 0 } previous) targets = targets.Union(ConnectionsOf(previous), StringComparer.Ordinal);
        foreach (var connectionId in targets)
        {
            if (_connections.TryGetValue(connectionId, out var connection)) connection.Outbox.Post(alert);
        }
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _listening.Dispose();
        foreach (var connectionId in _connections.Keys) await DisconnectAsync(connectionId);
    }

    private sealed record Connection(string AgentId, AlertOutbox Outbox, TeamScope Teams);
}
