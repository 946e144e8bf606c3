using System.Data.Common;

namespace Engagement.Storage;

/// <summary>
/// The journal's retention (issue 17): deletes the entries of a customer that its checkpoint covers, that were recorded
/// before a cutoff (the journal horizon) and that are not among its last entries (the dedup window). What is left still
/// rebuilds the customer (checkpoint plus the entries after it) and still refuses a resend of any event id in the window.
/// </summary>
/// <remarks>
/// Each statement deletes at most one batch in a short transaction of its own, so that the journal's group commits (on
/// SQLite the file's one writer) wait for it briefly at most. Entries appended meanwhile are never candidates: their
/// sequence numbers are above the checkpoint read before, and they only move the window's start further up, which keeps more.
/// </remarks>
/// <param name="journal">The journal's database (entries, and how far each customer was compacted).</param>
/// <param name="grainState">The checkpoints' database (on SQLite another file; on PostgreSQL the same).</param>
public sealed class JournalCompaction(StoreDialect journal, StoreDialect grainState)
{
    private const string WindowStartSql = """
        SELECT seq FROM engagement_journal WHERE customer_id = @customer ORDER BY seq DESC LIMIT 1 OFFSET @offset
        """;

    // The subquery finds the batch by the primary key's order; RETURNING says how far it went.
    private const string DeleteBatchSql = """
        DELETE FROM engagement_journal WHERE customer_id = @customer AND seq IN (
            SELECT seq FROM engagement_journal
            WHERE customer_id = @customer AND seq > @from AND seq <= @through AND recorded_at < @cutoff
            ORDER BY seq LIMIT @batch)
        RETURNING seq
        """;

    private const string RecordSql = """
        INSERT INTO engagement_journal_compactions (customer_id, through_seq, events, compacted_at) VALUES (@customer, @through, @events, @at)
        ON CONFLICT (customer_id) DO UPDATE SET
            through_seq = CASE WHEN excluded.through_seq > engagement_journal_compactions.through_seq
                THEN excluded.through_seq ELSE engagement_journal_compactions.through_seq END,
            events = engagement_journal_compactions.events + excluded.events,
            compacted_at = excluded.compacted_at
        """;

    private const string CheckpointsSql = """
        SELECT state_key, payload FROM engagement_checkpoints
        WHERE state_key LIKE @prefix AND state_key > @after
        ORDER BY state_key LIMIT @limit
        """;

    /// <summary>
    /// A page of the stored checkpoints of one grain state (<c>state_key</c> starting with <paramref name="stateName"/> and '/'),
    /// in key order after <paramref name="afterKey"/> ("" for the first page).
    /// </summary>
    public async Task<IReadOnlyList<StoredCheckpoint>> CheckpointsAsync(string stateName, string afterKey, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await grainState.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, CheckpointsSql,
            ("prefix", stateName + "/%"), ("after", afterKey), ("limit", limit));
        var page = new List<StoredCheckpoint>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(new StoredCheckpoint(reader.GetString(0), reader.GetFieldValue<byte[]>(1)));
        }
        return page;
    }

    /// <summary>
    /// Deletes the customer's entries at or below <paramref name="coveredSeq"/> (what its checkpoint holds) that were
    /// recorded before <paramref name="cutoff"/> and are older than its last <paramref name="keepLast"/> entries, at most
    /// <paramref name="batchSize"/> per transaction, and notes how far it went. Returns the number deleted.
    /// </summary>
    public async Task<int> CompactAsync(string customerId, long coveredSeq, DateTimeOffset cutoff, int keepLast, int batchSize,
        DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        // The oldest entry of the window: counted in rows, since sequence numbers have gaps (a duplicate takes none).
        long windowStart;
        await using (var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = SqlCommands.Create(connection, null, WindowStartSql, ("customer", customerId), ("offset", keepLast - 1));
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } found) return 0;
            windowStart = Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture);
        }

        var through = Math.Min(coveredSeq, windowStart - 1);
        var deleted = 0;
        var from = 0L;
        while (true)
        {
            var (count, last) = await DeleteBatchAsync(customerId, from, through, cutoff, batchSize, now, cancellationToken).ConfigureAwait(false);
            deleted += count;
            if (count < batchSize) return deleted;
            from = last;
        }
    }

    private async Task<(int Count, long Last)> DeleteBatchAsync(string customerId, long from, long through, DateTimeOffset cutoff, int batchSize,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await journal.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var (count, last) = (0, 0L);
        await using (var delete = SqlCommands.Create(connection, transaction, DeleteBatchSql, ("customer", customerId), ("from", from),
            ("through", through), ("cutoff", journal.InstantValue(cutoff)), ("batch", batchSize)))
        await using (var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                count++;
                last = Math.Max(last, reader.GetInt64(0));
            }
        }
        if (count > 0)
        {
            await using var record = SqlCommands.Create(connection, transaction, RecordSql, ("customer", customerId), ("through", last),
                ("events", (long)count), ("at", now.ToUnixTimeMilliseconds()));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (count, last);
    }

    /// <summary>
    /// The highest sequence number compaction deleted of the customer's journal (entries at or before it may be gone);
    /// null when none was.
    /// </summary>
    public static async Task<long?> CompactedThroughAsync(DbConnection connection, string customerId, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, null,
            "SELECT through_seq FROM engagement_journal_compactions WHERE customer_id = @customer", ("customer", customerId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } through
            ? Convert.ToInt64(through, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }
}

/// <summary>A stored grain state: its key (<c>&lt;state name&gt;/&lt;grain id&gt;</c>) and its serialized payload.</summary>
public sealed record StoredCheckpoint(string Key, byte[] Payload);
