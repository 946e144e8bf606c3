using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Storage;

/// <summary>
/// Group commit: appends from many grains queue up while the previous transaction commits, and the
/// next transaction takes them all. One fsync then acknowledges the events of many customers, which is
/// what lets the engine run near the store's batched-append rate instead of its one-row-per-transaction rate.
/// </summary>
public abstract partial class GroupCommitJournal : IEventJournal, IPopulationStore, IAsyncDisposable
{
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _maxEntriesPerCommit;
    private readonly ILogger _logger;
    private readonly Lazy<Task> _writer;
    private int _disposed;

    protected GroupCommitJournal(int maxEntriesPerCommit, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntriesPerCommit, 1);
        _maxEntriesPerCommit = maxEntriesPerCommit;
        _logger = logger;
        _writer = new Lazy<Task>(() => Task.Run(WriteLoopAsync));
    }

    public Task<bool[]> AppendAsync(string customerId, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0) return Task.FromResult(Array.Empty<bool>());
        var pending = new PendingAppend(customerId, entries);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        _ = _writer.Value;
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    public void RecordDigest(CustomerDigest digest)
    {
        if (_queue.Writer.TryWrite(new PendingAppend(digest.CustomerId, [], digest))) _ = _writer.Value;
    }

    /// <summary>Returns once everything queued before the call (appends and digests) is committed.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var marker = new PendingAppend("", []);
        if (!_queue.Writer.TryWrite(marker)) return Task.CompletedTask;
        _ = _writer.Value;
        return marker.Completion.Task.WaitAsync(cancellationToken);
    }

    // The reads are the same SQL on both stores (both providers take @-parameters); only how a
    // connection is opened and how an instant is stored differ.
    private const string ReadSql = """
        SELECT seq, event_id, event_type, channel, occurred_at, recorded_at, payload
        FROM engagement_journal
        WHERE customer_id = @customer AND seq > @after
        ORDER BY seq
        """;

    private const string ReadDigestsSql = """
        SELECT customer_id, first_purchase_day, last_purchase_day, purchase_days, total_spend, mean_repeat_spend, stage, tier, segments, due_at
        FROM engagement_customer_digest
        WHERE bucket >= @from AND bucket < @to
        """;

    private const string DueSql = """
        SELECT customer_id FROM engagement_customer_digest
        WHERE due_at <= @now AND bucket >= @from AND bucket < @to
        ORDER BY due_at
        LIMIT @limit
        """;

    /// <summary>A connection for reads (pooled; never the group-commit writer's).</summary>
    protected abstract ValueTask<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken);

    /// <summary>An instant as the store keeps it.</summary>
    protected abstract DateTimeOffset ReadInstant(DbDataReader reader, int ordinal);

    public Task<IReadOnlyList<JournalEntry>> ReadAsync(string customerId, long afterSeq, CancellationToken cancellationToken = default) =>
        QueryAsync(ReadSql, [("customer", customerId), ("after", afterSeq)], reader => new JournalEntry(
            reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            ReadInstant(reader, 4), ReadInstant(reader, 5), reader.GetString(6)), cancellationToken);

    public Task<IReadOnlyList<CustomerDigest>> ReadDigestsAsync(int fromBucket, int toBucket, CancellationToken cancellationToken = default) =>
        QueryAsync(ReadDigestsSql, [("from", fromBucket), ("to", toBucket)], reader => new CustomerDigest(reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.GetInt32(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetString(6), reader.GetString(7), reader.GetString(8),
            CustomerDigest.FromMilliseconds(reader.IsDBNull(9) ? null : reader.GetInt64(9))), cancellationToken);

    public Task<IReadOnlyList<string>> DueAsync(int fromBucket, int toBucket, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(DueSql, [("now", now.ToUnixTimeMilliseconds()), ("from", fromBucket), ("to", toBucket), ("limit", limit)],
            reader => reader.GetString(0), cancellationToken);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object Value)[] parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, sql, parameters);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(map(reader));
        return rows;
    }

    /// <summary>
    /// Writes the group in one transaction (entries, then the latest digest of each customer that has
    /// one) and returns, per append and per entry, whether the entry was new. Throws if the transaction
    /// did not commit.
    /// </summary>
    protected abstract Task<bool[][]> CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken);

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingAppend>();
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            group.Clear();
            var entries = 0;
            while (entries < _maxEntriesPerCommit && reader.TryRead(out var pending))
            {
                group.Add(pending);
                entries += pending.Entries.Count;
            }
            await CommitAsync(group, entries).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<PendingAppend> group, int entries)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var results = await CommitGroupAsync(group, _stopping.Token).ConfigureAwait(false);
            for (var i = 0; i < group.Count; i++) group[i].Completion.TrySetResult(results[i]);
            JournalMetrics.RecordCommit(entries, Stopwatch.GetElapsedTime(started));
            return;
        }
        catch (Exception ex) when (group.Count > 1)
        {
            // One customer's bad write (for example a sequence clash after a failover) must not fail
            // the others in its group: retry each append in a transaction of its own.
            LogGroupCommitFailed(_logger, ex, group.Count);
        }
        catch (Exception ex)
        {
            group[0].Completion.TrySetException(ex);
            return;
        }

        foreach (var pending in group)
        {
            try
            {
                var result = await CommitGroupAsync([pending], _stopping.Token).ConfigureAwait(false);
                pending.Completion.TrySetResult(result[0]);
            }
            catch (Exception ex)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group commit of {Appends} appends failed; retrying each append on its own")]
    private static partial void LogGroupCommitFailed(ILogger logger, Exception exception, int appends);

    /// <summary>The latest digest per customer in a group, in the order the customers last recorded one.</summary>
    protected static IEnumerable<CustomerDigest> LatestDigests(IReadOnlyList<PendingAppend> group)
    {
        var latest = new Dictionary<string, CustomerDigest>(StringComparer.Ordinal);
        foreach (var pending in group)
        {
            if (pending.Digest is { } digest) latest[digest.CustomerId] = digest;
        }
        return latest.Values;
    }

    /// <summary>One grain's entries (or its digest), waiting for the commit that makes them durable.</summary>
    protected sealed class PendingAppend(string customerId, IReadOnlyList<JournalEntry> entries, CustomerDigest? digest = null)
    {
        public string CustomerId { get; } = customerId;

        public IReadOnlyList<JournalEntry> Entries { get; } = entries;

        public CustomerDigest? Digest { get; } = digest;

        public TaskCompletionSource<bool[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
