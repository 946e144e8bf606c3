using System.Threading.Channels;
using Engagement.Contracts.Alerts;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Alerts;

/// <summary>
/// Group commit for alert changes, and their publication in the same groups. The alert grains of a silo queue
/// their changes here; one loop, outside the grains' turns, stores everything queued in one transaction (one
/// fsync for hundreds of alerts when many customers fall due at once) and answers each grain with its sequence
/// number; a second loop publishes each committed group to the <see cref="IAlertFeedGrain"/> as one message,
/// in commit order.
/// </summary>
/// <remarks>
/// The grain awaits the commit, not the publication: a change is answered once durable, and a gateway that
/// misses a publication catches up from the store by sequence number when it renews its subscription.
/// </remarks>
public sealed partial class AlertWriter : IAsyncDisposable
{
    /// <summary>The most changes in one transaction (and one publication).</summary>
    public const int MaxChangesPerCommit = 1_000;

    private readonly Channel<PendingChange> _queue = Channel.CreateUnbounded<PendingChange>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Channel<IReadOnlyList<Alert>> _committed = Channel.CreateUnbounded<IReadOnlyList<Alert>>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });
    private readonly IAlertStore _store;
    private readonly IGrainFactory _grains;
    private readonly ILogger<AlertWriter> _logger;
    private readonly Lazy<Task> _loops;
    private int _disposed;

    public AlertWriter(IAlertStore store, IGrainFactory grains, ILogger<AlertWriter> logger)
    {
        _store = store;
        _grains = grains;
        _logger = logger;
        _loops = new Lazy<Task>(() => Task.WhenAll(Task.Run(WriteLoopAsync), Task.Run(PublishLoopAsync)));
    }

    /// <summary>Stores the change with the next commit and returns it with its sequence number once durable.</summary>
    public Task<Alert> SaveAsync(Alert alert)
    {
        var pending = new PendingChange(alert);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        _ = _loops.Value;
        return pending.Completion.Task;
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingChange>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < MaxChangesPerCommit && reader.TryRead(out var pending)) group.Add(pending);
            var stored = await CommitAsync(group).ConfigureAwait(false);
            if (stored.Count > 0) _committed.Writer.TryWrite(stored);
        }
        _committed.Writer.TryComplete();
    }

    /// <summary>Commits the group and answers its grains; returns what was stored, in sequence order.</summary>
    private async Task<IReadOnlyList<Alert>> CommitAsync(List<PendingChange> group)
    {
        try
        {
            var stored = await _store.SaveAsync([.. group.Select(p => p.Alert)]).ConfigureAwait(false);
            for (var i = 0; i < group.Count; i++) group[i].Completion.TrySetResult(stored[i]);
            return stored;
        }
        catch (Exception ex) when (group.Count > 1)
        {
            // Whatever broke the group must not fail the others in it: each change in a transaction of its own.
            LogGroupFailed(_logger, ex, group.Count);
        }
        catch (Exception ex)
        {
            group[0].Completion.TrySetException(ex);
            return [];
        }

        var alone = new List<Alert>(group.Count);
        foreach (var pending in group)
        {
            try
            {
                var stored = (await _store.SaveAsync([pending.Alert]).ConfigureAwait(false))[0];
                pending.Completion.TrySetResult(stored);
                alone.Add(stored);
            }
            catch (Exception ex)
            {
                pending.Completion.TrySetException(ex);
            }
        }
        return alone;
    }

    private async Task PublishLoopAsync()
    {
        var feed = _grains.GetGrain<IAlertFeedGrain>(0);
        await foreach (var changes in _committed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                // Awaited, so that the feed hears the groups in commit order.
                await feed.Publish(changes).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogPublishFailed(_logger, ex, changes.Count, changes[0].Sequence);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _queue.Writer.TryComplete();
        if (_loops.IsValueCreated) await _loops.Value.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group commit of {Changes} alert changes failed; retrying each change on its own")]
    private static partial void LogGroupFailed(ILogger logger, Exception exception, int changes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Changes} alert changes from sequence {Sequence} failed; gateways catch up from the store when they renew")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int changes, long sequence);

    private sealed class PendingChange(Alert alert)
    {
        public Alert Alert { get; } = alert;

        public TaskCompletionSource<Alert> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
