using System.Data.Common;
using System.Globalization;

namespace Engagement.Storage;

/// <summary>
/// One decision of the engine as other systems read it: <see cref="Sequence"/> is global and rises in commit order,
/// <see cref="Kind"/> one of <see cref="ChangeKinds"/>, <see cref="Data"/> the change as JSON, <see cref="At"/> when it was committed.
/// </summary>
public sealed record Change(long Sequence, string CustomerId, string Kind, DateTimeOffset At, string Data);

/// <summary>The kinds of change (the CloudEvents type is <c>engagement.v1.</c> and the kind). Part of the public contract.</summary>
public static class ChangeKinds
{
    public const string TypePrefix = "engagement.v1.";

    public const string Stage = "stage.changed";
    public const string Tier = "tier.changed";
    public const string RfmGroup = "rfm_group.changed";
    public const string RiskBand = "risk_band.changed";
    public const string SegmentEntered = "segment.entered";
    public const string SegmentLeft = "segment.left";
    public const string AlertRaised = "alert.raised";
    public const string AlertChanged = "alert.changed";
    public const string AlertResolved = "alert.resolved";

    /// <summary>Another customer was merged into this one (issue 17): <c>{into, from, by, reason, identifiers}</c>.</summary>
    public const string IdentityMerged = "identity.merged";

    /// <summary>A merge was undone: the customer <c>from</c> stands on its own again.</summary>
    public const string IdentityUnmerged = "identity.unmerged";

    public static IReadOnlyList<string> All { get; } =
        [Stage, Tier, RfmGroup, RiskBand, SegmentEntered, SegmentLeft, AlertRaised, AlertChanged, AlertResolved, IdentityMerged, IdentityUnmerged];

    /// <summary>A kind as configured or requested: the kind itself or its CloudEvents type; null when it is neither.</summary>
    public static string? Parse(string text)
    {
        var kind = text.Trim();
        if (kind.StartsWith(TypePrefix, StringComparison.Ordinal)) kind = kind[TypePrefix.Length..];
        return All.Contains(kind, StringComparer.Ordinal) ? kind : null;
    }

    /// <summary>Every kind of <paramref name="texts"/>, or the exception <paramref name="refuse"/> makes of the reason the first unknown one is refused.</summary>
    public static List<string> ParseAll(IEnumerable<string> texts, Func<string, Exception> refuse) =>
        [.. texts.Select(text => Parse(text) ?? throw refuse($"'{text}' is not a kind of change (one of {string.Join(", ", All)})"))];
}

/// <summary>A change a webhook subscriber could not take after every attempt, kept for admins.</summary>
public sealed record DeadLetter(long Id, string Subscriber, long Sequence, string CustomerId, string Kind, DateTimeOffset FailedAt, int Attempts, string Error);

/// <summary>
/// Pulsed by whoever commits changes in this process, so that readers follow new changes without polling the store
/// in a loop. Readers take <see cref="Next"/> before they read, so a commit between the read and the wait is not missed.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Waits for <paramref name="next"/> (taken from <see cref="Next"/>), at most <paramref name="poll"/>: commits of other
    /// processes are not signalled here, so the reader looks at the store anyway after that. Returns quietly when stopped.
    /// </summary>
    public static async Task WaitAsync(Task next, TimeSpan poll, CancellationToken cancellationToken)
    {
        try
        {
            await next.WaitAsync(poll, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nothing committed here: look at the store anyway.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the caller's loop ends.
        }
    }
}

/// <summary>The change feed in the store: reads by sequence, webhook cursors and dead letters, retention.</summary>
public interface IChangeFeed
{
    /// <summary>Pulsed when this process commits changes.</summary>
    ChangeSignal Signal { get; }

    /// <summary>Changes after <paramref name="afterSequence"/>, of the given kinds (every kind when empty), in order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Change>> ReadAsync(long afterSequence, IReadOnlyCollection<string> kinds, int limit, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence given so far (0 before the first change).</summary>
    Task<long> LastSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>The subscriber's cursor: the last sequence it was given; null before its first.</summary>
    Task<long?> CursorAsync(string subscriber, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes or renews the lease of delivering to <paramref name="subscriber"/> for <paramref name="owner"/> until
    /// <paramref name="duration"/> from now; false while another owner holds an unexpired lease.
    /// </summary>
    Task<bool> LeaseAsync(string subscriber, string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Moves the subscriber's cursor and stores its dead letters in one transaction.</summary>
    Task AdvanceAsync(string subscriber, long sequence, IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken = default);

    /// <summary>Dead letters of one subscriber (every subscriber when null), after an id, oldest first.</summary>
    Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(string? subscriber, long afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The highest sequence retention has deleted (0: none yet). A reader that resumes after an older sequence has missed
    /// changes: the oldest it could still read is the next one kept.
    /// </summary>
    Task<long> DeletedThroughAsync(CancellationToken cancellationToken = default);

    /// <summary>The lowest sequence kept (null: the feed is empty).</summary>
    Task<long?> OldestSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="limit"/> of the oldest changes committed before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default);
}

/// <summary>The change feed on SQLite or PostgreSQL: the same SQL on both (the table lives in the journal's database).</summary>
public sealed class SqlChangeFeed(StoreDialect dialect, ChangeSignal signal, TimeProvider clock) : IChangeFeed
{
    public ChangeSignal Signal => signal;

    public Task<IReadOnlyList<Change>> ReadAsync(long afterSequence, IReadOnlyCollection<string> kinds, int limit, CancellationToken cancellationToken = default)
    {
        var kindParameters = kinds.Select((k, i) => ($"kind{i}", (object)k)).ToArray();
        var kindFilter = kinds.Count == 0 ? "" : $" AND kind IN ({string.Join(", ", kindParameters.Select(p => "@" + p.Item1))})";
        return QueryAsync($"""
            SELECT sequence, customer_id, kind, at, data FROM engagement_changes
            WHERE sequence > @after{kindFilter} ORDER BY sequence LIMIT {Math.Clamp(limit, 1, 10_000)}
            """, [("after", afterSequence), .. kindParameters],
            r => new Change(r.GetInt64(0), r.GetString(1), r.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetString(4)),
            cancellationToken);
    }

    public async Task<long> LastSequenceAsync(CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync("SELECT COALESCE(MAX(sequence), 0) FROM engagement_changes", [], r => r.GetInt64(0), cancellationToken);
        return found[0];
    }

    public async Task<long?> CursorAsync(string subscriber, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync("SELECT sequence FROM engagement_webhook_cursors WHERE subscriber = @subscriber",
            [("subscriber", subscriber)], r => r.GetInt64(0), cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<bool> LeaseAsync(string subscriber, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        dialect.OffTheCaller(async () =>
        {
            var now = clock.GetUtcNow();
            await using var connection = await dialect.OpenReadAsync(cancellationToken);
            await using var lease = SqlCommands.Create(connection, null, """
                INSERT INTO engagement_webhook_cursors (subscriber, sequence, updated_at, owner, lease_until) VALUES (@subscriber, 0, @now, @owner, @until)
                ON CONFLICT (subscriber) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
                WHERE engagement_webhook_cursors.owner = excluded.owner OR engagement_webhook_cursors.owner IS NULL
                    OR engagement_webhook_cursors.lease_until < @now
                """, ("subscriber", subscriber), ("now", now.ToUnixTimeMilliseconds()), ("owner", owner), ("until", (now + duration).ToUnixTimeMilliseconds()));
            return await lease.ExecuteNonQueryAsync(cancellationToken) == 1;
        });

    public Task AdvanceAsync(string subscriber, long sequence, IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken = default) =>
        dialect.OffTheCaller(async () =>
        {
            await using var connection = await dialect.OpenReadAsync(cancellationToken);
            await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken);
            foreach (var letter in deadLetters)
            {
                await using var insert = SqlCommands.Create(connection, transaction, """
                    INSERT INTO engagement_webhook_dead_letters (subscriber, sequence, customer_id, kind, failed_at, attempts, error)
                    VALUES (@subscriber, @sequence, @customer, @kind, @failed, @attempts, @error)
                    """, ("subscriber", subscriber), ("sequence", letter.Sequence), ("customer", letter.CustomerId), ("kind", letter.Kind),
                    ("failed", letter.FailedAt.ToUnixTimeMilliseconds()), ("attempts", letter.Attempts), ("error", letter.Error));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var cursor = SqlCommands.Create(connection, transaction, """
                INSERT INTO engagement_webhook_cursors (subscriber, sequence, updated_at) VALUES (@subscriber, @sequence, @now)
                ON CONFLICT (subscriber) DO UPDATE SET sequence = excluded.sequence, updated_at = excluded.updated_at
                """, ("subscriber", subscriber), ("sequence", sequence), ("now", clock.GetUtcNow().ToUnixTimeMilliseconds())))
            {
                await cursor.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return true;
        });

    public Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(string? subscriber, long afterId, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT id, subscriber, sequence, customer_id, kind, failed_at, attempts, error FROM engagement_webhook_dead_letters
            WHERE id > @after{(subscriber is null ? "" : " AND subscriber = @subscriber")} ORDER BY id LIMIT {Math.Clamp(limit, 1, 1000)}
            """, [("after", afterId), .. subscriber is null ? Array.Empty<(string, object)>() : [("subscriber", subscriber)]],
            r => new DeadLetter(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), r.GetInt32(6), r.GetString(7)), cancellationToken);

    public async Task<long> DeletedThroughAsync(CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync("SELECT deleted_through FROM engagement_change_retention WHERE id = 1", [], r => r.GetInt64(0), cancellationToken);
        return found.Count == 0 ? 0 : found[0];
    }

    public async Task<long?> OldestSequenceAsync(CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync("SELECT MIN(sequence) FROM engagement_changes", [], r => r.IsDBNull(0) ? (long?)null : r.GetInt64(0), cancellationToken);
        return found[0];
    }

    /// <remarks>
    /// The oldest rows by sequence, a bounded scan: commit times rise with the sequence, so the rows before the cutoff are a
    /// prefix of the feed, and the time of each row needs no index of its own on the ingest path. How far it deleted is
    /// recorded in the same transaction, so that readers behind it learn of the gap.
    /// </remarks>
    public Task<int> DeleteBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default) =>
        dialect.OffTheCaller(async () =>
        {
            await using var connection = await dialect.OpenReadAsync(cancellationToken);
            await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken);
            long through;
            await using (var bound = SqlCommands.Create(connection, transaction, $"""
                SELECT COALESCE(MAX(sequence), 0) FROM (SELECT sequence, at FROM engagement_changes ORDER BY sequence LIMIT {Math.Clamp(limit, 1, 100_000)}) oldest
                WHERE at < @cutoff
                """, ("cutoff", cutoff.ToUnixTimeMilliseconds())))
            {
                through = Convert.ToInt64(await bound.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            }
            if (through == 0) return 0;
            int deleted;
            await using (var delete = SqlCommands.Create(connection, transaction, "DELETE FROM engagement_changes WHERE sequence <= @through", ("through", through)))
            {
                deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var mark = SqlCommands.Create(connection, transaction, """
                INSERT INTO engagement_change_retention (id, deleted_through) VALUES (1, @through)
                ON CONFLICT (id) DO UPDATE SET deleted_through = excluded.deleted_through
                WHERE engagement_change_retention.deleted_through < excluded.deleted_through
                """, ("through", through)))
            {
                await mark.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return deleted;
        });

    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object Value)[] parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken) =>
        SqlCommands.QueryAsync(dialect, sql, parameters, map, cancellationToken);
}

/// <summary>Changes as a writer inserts them, before they have a sequence.</summary>
internal sealed record NewChange(string CustomerId, string Kind, string Data);

/// <summary>The statements both stores share to insert changes, many rows per statement.</summary>
internal static class ChangeRows
{
    private const int RowsPerStatement = 200;

    /// <summary>Inserts the changes in order (so their sequences rise in that order), after taking the change writers' lock.</summary>
    public static async Task InsertAsync(StoreDialect dialect, DbConnection connection, DbTransaction transaction, IReadOnlyList<NewChange> changes,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (changes.Count == 0) return;
        await dialect.LockChangeWritersAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var millis = at.ToUnixTimeMilliseconds();
        foreach (var chunk in changes.Chunk(RowsPerStatement))
        {
            var parameters = new List<(string, object)>(chunk.Length * 3 + 1) { ("at", millis) };
            var values = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                values.Add(string.Create(CultureInfo.InvariantCulture, $"(@c{i}, @k{i}, @at, @d{i})"));
                parameters.Add(($"c{i}", chunk[i].CustomerId));
                parameters.Add(($"k{i}", chunk[i].Kind));
                parameters.Add(($"d{i}", chunk[i].Data));
            }
            await using var insert = SqlCommands.Create(connection, transaction,
                $"INSERT INTO engagement_changes (customer_id, kind, at, data) VALUES {string.Join(", ", values)}", [.. parameters]);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
