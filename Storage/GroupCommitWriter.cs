using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Engagement.Storage;

/// <summary>
/// Group commit: writes from many grains queue up while the previous transaction commits, and one
/// writer loop (a thread-pool task, never an Orleans scheduler thread) takes them all into the next
/// transaction. One commit, and one fsync, then acknowledges the writes of many grains.
/// </summary>
/// <typeparam name="TWrite">One grain's write.</typeparam>
/// <typeparam name="TResult">What the commit tells the writer of one <typeparamref name="TWrite"/>.</typeparam>
public abstract partial class GroupCommitWriter<TWrite, TResult> : IAsyncDisposable
{
    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _maxWeightPerCommit;
    private readonly ILogger _logger;
    private readonly Lazy<Task> _writer;
    private int _disposed;

    /// <param name="maxWeightPerCommit">How much (<see cref="WeightOf"/>) one transaction takes at most.</param>
    protected GroupCommitWriter(int maxWeightPerCommit, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeightPerCommit, 1);
        _maxWeightPerCommit = maxWeightPerCommit;
        _logger = logger;
        _writer = new Lazy<Task>(() => Task.Run(WriteLoopAsync));
    }

    /// <summary>Queues <paramref name="write"/> and returns its result once the commit that carried it is durable.</summary>
    protected Task<TResult> EnqueueAsync(TWrite write, CancellationToken cancellationToken)
    {
        var queued = new Queued(write, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(queued), this);
        _ = _writer.Value;
        return queued.Completion!.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues <paramref name="write"/> for the next commit without waiting for it; false once disposed.</summary>
    protected bool Post(TWrite write)
    {
        if (!_queue.Writer.TryWrite(new Queued(write, null))) return false;
        _ = _writer.Value;
        return true;
    }

    /// <summary>How much of a transaction's budget the write takes (rows, for example); one by default.</summary>
    protected virtual int WeightOf(TWrite write) => 1;

    /// <summary>
    /// Writes the group in one transaction and returns each write's result, in order. Throws if the
    /// transaction did not commit.
    /// </summary>
    protected abstract Task<TResult[]> CommitGroupAsync(IReadOnlyList<TWrite> group, CancellationToken cancellationToken);

    /// <summary>
    /// Commits one write of a group that failed, in a transaction of its own. The group's failure may have been only its
    /// answer's (the server committed, the connection broke before it said so): a writer whose result depends on what was
    /// stored before reads back what the failed commit left (<see cref="GroupCommitJournal"/> does).
    /// </summary>
    protected virtual async Task<TResult> CommitAloneAsync(TWrite write, CancellationToken cancellationToken) =>
        (await CommitGroupAsync([write], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Called after each committed group, for metrics.</summary>
    protected virtual void OnCommitted(int writes, int weight, TimeSpan duration)
    {
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<Queued>();
        var writes = new List<TWrite>();
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            group.Clear();
            writes.Clear();
            var weight = 0;
            while (weight < _maxWeightPerCommit && reader.TryRead(out var queued))
            {
                group.Add(queued);
                writes.Add(queued.Write);
                weight += WeightOf(queued.Write);
            }
            await CommitAsync(group, writes, weight).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<Queued> group, List<TWrite> writes, int weight)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var results = await CommitGroupAsync(writes, _stopping.Token).ConfigureAwait(false);
            // Counted before the writers hear of it: whoever awaited a write sees its commit in the metrics.
            OnCommitted(group.Count, weight, Stopwatch.GetElapsedTime(started));
            for (var i = 0; i < group.Count; i++) group[i].Completion?.TrySetResult(results[i]);
            return;
        }
        catch (Exception ex) when (group.Count > 1)
        {
            // One grain's bad write (for example a sequence clash after a failover) must not fail
            // the others in its group: retry each write in a transaction of its own.
            LogGroupCommitFailed(_logger, ex, group.Count);
        }
        catch (Exception ex)
        {
            group[0].Completion?.TrySetException(ex);
            return;
        }

        foreach (var queued in group)
        {
            try
            {
                queued.Completion?.TrySetResult(await CommitAloneAsync(queued.Write, _stopping.Token).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                queued.Completion?.TrySetException(ex);
            }
        }
    }

    /// <summary>Commits everything queued, then stops the writer loop and releases the store.</summary>
    public async ValueTask DisposeAsync()
    {
        // Registered under several service types: the container may dispose it more than once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _queue.Writer.TryComplete();
        if (_writer.IsValueCreated) await _writer.Value.ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group commit of {Writes} writes failed; retrying each write on its own")]
    private static partial void LogGroupCommitFailed(ILogger logger, Exception exception, int writes);

    /// <summary>A write and, unless nobody waits for it, the completion its writer awaits.</summary>
    private readonly record struct Queued(TWrite Write, TaskCompletionSource<TResult>? Completion);
}
