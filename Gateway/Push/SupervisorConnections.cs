using System.Collections.Concurrent;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Push;

/// <summary>
/// The supervisor connections on this gateway, each with its teams and its <see cref="AlertOutbox"/>.
/// One broadcaster listener serves them all: it routes each alert change to the connections whose teams
/// see it. Hub instances live for one call; this registry lives as long as the gateway.
/// </summary>
/// <remarks>
/// Not SignalR groups per team: a connection must get its backlog before any live change and each
/// change once, so every connection needs its own queue and its own record of what it was sent, and
/// with that in place a group adds a second route, not a shortcut. Routing is a check of the
/// connection's teams; a gateway holds tens or hundreds of supervisors, not millions.
/// </remarks>
public sealed class SupervisorConnections : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private readonly IGrainFactory _grains;
    private readonly IHubContext<SupervisorHub, IAlertClient> _hub;
    private readonly ILogger<SupervisorConnections> _logger;
    private readonly IDisposable _listening;

    private readonly int _backlogLimit;

    public SupervisorConnections(
        AlertBroadcaster broadcaster, IGrainFactory grains, IHubContext<SupervisorHub, IAlertClient> hub, IOptions<EngagementOptions> options,
        ILogger<SupervisorConnections> logger)
    {
        _backlogLimit = options.Value.Limits.SupervisorBacklog;
        _grains = grains;
        _hub = hub;
        _logger = logger;
        _listening = broadcaster.Listen(OnAlertChanged);
        PushMetrics.SupervisorConnections.Add(this);
    }

    /// <summary>Supervisor hub connections on this gateway now.</summary>
    public int Count => _connections.Count;

    /// <summary>Whether this gateway holds the connection (and sends it alerts).</summary>
    public bool Holds(string connectionId) => _connections.ContainsKey(connectionId);

    /// <summary>
    /// Registers a connection and starts its alerts: the changes after <paramref name="afterSequence"/> of
    /// its teams, or (without one) their open alerts oldest first; then every change of its teams, live.
    /// </summary>
    public async Task ConnectAsync(HubCallerContext context, TeamScope scope, long? afterSequence)
    {
        var connectionId = context.ConnectionId;
        var outbox = new AlertOutbox(context, (alert, cancellationToken) => _hub.Clients.Client(connectionId).Alert(alert, cancellationToken), _logger);
        var connection = new Connection(scope, outbox);
        // Listen before reading the backlog, so that no change falls between the two; the outbox holds the
        // live changes until the backlog is sent and drops the ones the backlog already has.
        _connections[connectionId] = connection;
        try
        {
            // Bounded, however long the history: a connection is sent at most the limit, and told when there is more.
            var backlog = await AlertBacklog.ReadAsync(_grains.GetGrain<IAlertQueryGrain>(0), afterSequence, scope, _backlogLimit, context.ConnectionAborted);
            if (backlog.Cut)
            {
                await _hub.Clients.Client(connectionId).Backlog(
                    new AlertBacklogNotice(backlog.Alerts.Count, backlog.More, backlog.Reset, backlog.OldestSequence, backlog.Message));
            }
            outbox.Start(backlog.Alerts, afterSequence ?? 0);
        }
        catch
        {
            await DisconnectAsync(connectionId);
            throw;
        }
    }

    /// <summary>Forgets a connection; when this returns, it is sent nothing more.</summary>
    public async Task DisconnectAsync(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var connection)) await connection.Outbox.DisposeAsync();
    }

    private ValueTask OnAlertChanged(Alert alert)
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.Scope.Sees(alert.Team)) connection.Outbox.Post(alert);
        }
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        PushMetrics.SupervisorConnections.Remove(this);
        _listening.Dispose();
        foreach (var connectionId in _connections.Keys) await DisconnectAsync(connectionId);
    }

    private sealed record Connection(TeamScope Scope, AlertOutbox Outbox);
}
