using System.Threading.Channels;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// The alerts on their way to one hub connection: an optional backlog first, then the live changes in
/// the order the gateway heard them, each sent once. A queue and a pump per connection, so that the
/// broadcaster only enqueues and one slow client never holds up the alerts of the others.
/// </summary>
/// <remarks>
/// A client that falls <see cref="Capacity"/> alerts behind is cut off rather than silently skipped:
/// it reconnects with its last sequence and gets exactly what it missed from the store.
/// </remarks>
internal sealed partial class AlertOutbox(HubCallerContext connection, Func<Alert, CancellationToken, Task> send, ILogger logger) : IAsyncDisposable
{
    public const int Capacity = 10_000;

    private readonly Channel<Alert> _live = Channel.CreateBounded<Alert>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly SequenceFilter _sent = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private Task? _pump;
    private bool _disposed;
    private int _cutOff;

    /// <summary>Queues a live change; a client too far behind to keep is cut off.</summary>
    public void Post(Alert alert)
    {
        if (_live.Writer.TryWrite(alert) || Interlocked.Exchange(ref _cutOff, 1) == 1) return;
        LogTooFarBehind(logger, connection.ConnectionId, Capacity);
        connection.Abort();
    }

    /// <summary>
    /// Starts sending: the backlog (in its order), then the live changes queued since the outbox was
    /// created. A live change at or before <paramref name="afterSequence"/> was seen by the client before
    /// it reconnected; one that the backlog already holds in the same or a newer version is stale.
    /// </summary>
    public void Start(IReadOnlyList<Alert> backlog, long afterSequence)
    {
        lock (_lock)
        {
            if (_disposed || _pump is not null) return;
            var stop = _stop.Token;
            _pump = Task.Run(() => PumpAsync(backlog, afterSequence, stop), CancellationToken.None);
        }
    }

    private async Task PumpAsync(IReadOnlyList<Alert> backlog, long afterSequence, CancellationToken stop)
    {
        try
        {
            var inBacklog = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var alert in backlog)
            {
                inBacklog[alert.AlertId] = Math.Max(alert.Sequence, inBacklog.GetValueOrDefault(alert.AlertId));
                if (_sent.FirstTime(alert.Sequence)) await send(alert, stop);
            }
            await foreach (var alert in _live.Reader.ReadAllAsync(stop))
            {
                if (alert.Sequence <= afterSequence) continue;
                if (inBacklog.TryGetValue(alert.AlertId, out var newer) && alert.Sequence <= newer) continue;
                if (_sent.FirstTime(alert.Sequence)) await send(alert, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disconnected: the normal end.
        }
        catch (Exception ex)
        {
            LogSendFailed(logger, ex, connection.ConnectionId);
            connection.Abort();
        }
    }

    /// <summary>Stops the pump; when this returns, nothing more is sent.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? pump;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            pump = _pump;
        }
        _live.Writer.TryComplete();
        await _stop.CancelAsync();
        if (pump is not null) await pump;
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending an alert to connection {ConnectionId} failed; the connection is closed")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId} is {Capacity} alerts behind; it is closed, so that it reconnects and catches up")]
    private static partial void LogTooFarBehind(ILogger logger, string connectionId, int capacity);
}
