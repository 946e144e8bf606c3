using System.Collections.Concurrent;
using Engagement.Contracts.Alerts;
using Engagement.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Alerts;

/// <summary>
/// This gateway's subscription to the alert feed, fanned out to its local listeners (supervisor and
/// agent hub connections, gRPC watch streams). It renews the subscription well before it expires, and
/// a renewal that finds alerts published since the last one seen here fetches them from the store, so a
/// push lost in a silo failure is delivered anyway (listeners drop repeats by sequence).
/// </summary>
public sealed partial class AlertBroadcaster(IGrainFactory grains, IOptions<EngagementOptions> options, TimeProvider machineClock, ILogger<AlertBroadcaster> logger)
    : BackgroundService, IAlertObserver
{
    private readonly ConcurrentDictionary<Guid, Func<Alert, ValueTask>> _listeners = new();
    private IAlertObserver? _self;
    private long _lastSequence;

    private IAlertObserver Self => _self ??= grains.CreateObjectReference<IAlertObserver>(this);

    /// <summary>Calls <paramref name="listener"/> with every alert change from now on; dispose to stop.</summary>
    public IDisposable Listen(Func<Alert, ValueTask> listener)
    {
        var id = Guid.NewGuid();
        _listeners[id] = listener;
        return new Subscription(() => _listeners.TryRemove(id, out _));
    }

    public async Task OnAlertsChanged(IReadOnlyList<Alert> changes)
    {
        foreach (var alert in changes)
        {
            InterlockedMax(alert.Sequence);
            foreach (var listener in _listeners.Values)
            {
                try
                {
                    await listener(alert);
                }
                catch (Exception ex)
                {
                    LogListenerFailed(logger, ex, alert.AlertId);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Push.WatchExpiry / 4, machineClock);
        do
        {
            try
            {
                var published = await grains.GetGrain<IAlertFeedGrain>(0).Subscribe(Self).WaitAsync(stoppingToken);
                if (_lastSequence == 0) InterlockedMax(published);
                else if (published > Interlocked.Read(ref _lastSequence)) await CatchUpAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSubscribeFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var missed = await grains.GetGrain<IAlertQueryGrain>(0).ChangesSince(Interlocked.Read(ref _lastSequence), null, 10_000).WaitAsync(cancellationToken);
        await OnAlertsChanged(missed);
    }

    private void InterlockedMax(long sequence)
    {
        var seen = Interlocked.Read(ref _lastSequence);
        while (sequence > seen)
        {
            var previous = Interlocked.CompareExchange(ref _lastSequence, sequence, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }

    public override void Dispose()
    {
        // Registered both as a singleton and as a hosted service: the container may dispose it twice.
        if (Interlocked.Exchange(ref _self, null) is { } self)
        {
            try
            {
                grains.DeleteObjectReference<IAlertObserver>(self);
            }
            catch (ArgumentException)
            {
                // The runtime is gone already, and the reference with it.
            }
        }
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to the alert feed failed; retrying at the next renewal")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An alert listener failed on {AlertId}")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string alertId);

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>Which alerts a caller may see and act on: the teams of its key ("*": every team).</summary>
public sealed record TeamScope(IReadOnlyList<string>? Teams)
{
    public static TeamScope Of(System.Security.Claims.ClaimsPrincipal user)
    {
        var teams = user.FindAll(Security.ApiKeyAuthenticationHandler.TeamClaim).Select(c => c.Value).ToList();
        return new TeamScope(teams.Contains("*") ? null : teams);
    }

    public bool Sees(string team) => Teams is null || Teams.Contains(team, StringComparer.Ordinal);
}

/// <summary>Drops repeats: a change can come both live and from a catch-up.</summary>
public sealed class SequenceFilter(int capacity = 4096)
{
    private readonly HashSet<long> _seen = [];
    private readonly Queue<long> _order = new();
    private readonly Lock _lock = new();

    public bool FirstTime(long sequence)
    {
        lock (_lock)
        {
            if (!_seen.Add(sequence)) return false;
            _order.Enqueue(sequence);
            if (_order.Count > capacity) _seen.Remove(_order.Dequeue());
            return true;
        }
    }
}
