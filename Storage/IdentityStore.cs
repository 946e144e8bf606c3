using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace Engagement.Storage;

/// <summary>One identifier of a customer as the identity index keys it: <c>kind:value</c> (see the grains' ContactKeys).</summary>
public static class IdentifierKeys
{
    public const string Customer = "customer";

    /// <summary>The kind and the value of a key (<c>email:ada@example.com</c> is <c>email</c>, <c>ada@example.com</c>).</summary>
    public static (string Kind, string Value) Split(string key)
    {
        var colon = key.IndexOf(':');
        if (colon <= 0) throw new ArgumentException($"'{key}' is not an identifier key (kind:value).", nameof(key));
        return (key[..colon], key[(colon + 1)..]);
    }

    public static string Of(string kind, string value) => $"{kind}:{value}";
}

/// <summary>A customer's identifier as the index holds it.</summary>
public sealed record IdentityRow(string Kind, string Value, string CustomerId, DateTimeOffset Since);

/// <summary>An identifier a second customer (<see cref="ClaimantId"/>) claimed while <see cref="OwnerId"/> held it.</summary>
public sealed record IdentityConflict(long Id, string Kind, string Value, string OwnerId, string ClaimantId, DateTimeOffset At);

/// <summary>One merge (or unmerge) of <see cref="SourceId"/> into (out of) <see cref="TargetId"/>, as recorded.</summary>
public sealed record MergeRecord(long Sequence, string Action, string TargetId, string SourceId, DateTimeOffset At, string Actor, string Reason,
    IReadOnlyList<string> Identifiers, IReadOnlyList<string> Alerts)
{
    public const string Merged = "merged";
    public const string Unmerged = "unmerged";
}

/// <summary>What a merge or an unmerge did to the journal: how many rows each customer holds afterwards.</summary>
public sealed record IdentityMove(MergeRecord Record, int TargetRows, int SourceRows);

/// <summary>
/// The identity index, its conflicts and the merges, in the journal's database: a merge moves journal rows, and must do
/// so in the transaction that moves the identifiers and records it.
/// </summary>
public interface IIdentityStore
{
    /// <summary>
    /// Makes the customer the owner of each key no one holds. A key another customer holds stays theirs and is a conflict:
    /// returned (and kept for the admins' list) the first time this pair meets over it, not again.
    /// </summary>
    Task<IReadOnlyList<IdentityConflict>> ClaimAsync(string customerId, IReadOnlyCollection<string> keys, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Forgets the keys the customer still holds (a key another customer holds is left alone).</summary>
    Task ReleaseAsync(string customerId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default);

    /// <summary>The customer who holds a key; null when none does.</summary>
    Task<string?> OwnerAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The identifiers that name the customer (not its own id, which always does).</summary>
    Task<IReadOnlyList<IdentityRow>> IdentifiersAsync(string customerId, CancellationToken cancellationToken = default);

    /// <summary>Conflicts after an id, oldest first; only those of one customer (as owner or claimant) when given.</summary>
    Task<IReadOnlyList<IdentityConflict>> ConflictsAsync(string? customerId, long afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every merged id and the customer it was merged into.</summary>
    Task<IReadOnlyDictionary<string, string>> RedirectsAsync(CancellationToken cancellationToken = default);

    /// <summary>Changes whenever a merge or an unmerge commits: a cheap question before <see cref="RedirectsAsync"/>.</summary>
    Task<long> RedirectsVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>The merges and unmerges of a customer (as target or source), newest first.</summary>
    Task<IReadOnlyList<MergeRecord>> MergesAsync(string customerId, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether retention compacted part of the customer's journal (<see cref="JournalCompaction"/>): a merge or unmerge
    /// rebuilds a customer from its whole journal, so it is refused for such a customer.
    /// </summary>
    Task<bool> CompactedAsync(string customerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges <paramref name="sourceId"/> into <paramref name="targetId"/> in one transaction: both journals become the
    /// target's, in event-time order (an event id both have is kept once; the source's rows remember it as their origin),
    /// followed by <paramref name="note"/>; every identifier of the source names the target, and the source's id too; the
    /// source's digest and query rows go; the merge is recorded and an <c>identity.merged</c> change written.
    /// </summary>
    Task<IdentityMove> MergeAsync(string targetId, string sourceId, string actor, string reason, DateTimeOffset at, JournalEntry note, CancellationToken cancellationToken = default);

    /// <summary>Records the alerts the merge moved to the target (after the merge, as the alert grains answered).</summary>
    Task RecordMovedAlertsAsync(long mergeSequence, IReadOnlyList<string> alertIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Undoes the latest merge of <paramref name="sourceId"/> into <paramref name="targetId"/>: the rows whose origin is the
    /// source (or one merged into it) go back to it, each journal in event-time order with its note appended, the moved
    /// identifiers name the source again, the redirect goes; recorded, with an <c>identity.unmerged</c> change. Null when
    /// there is no such merge still in force.
    /// </summary>
    Task<(IdentityMove Move, MergeRecord Merge)?> UnmergeAsync(string targetId, string sourceId, string actor, string reason, DateTimeOffset at,
        JournalEntry targetNote, JournalEntry sourceNote, CancellationToken cancellationToken = default);
}

/// <summary>The identity index on SQLite or PostgreSQL: the same SQL on both, in the journal's database.</summary>
/// <param name="flush">Waits until the journal's queued writes (digests among them) are committed, so none lands after a merge.</param>
/// <param name="changes">Writes the merge into the change feed; null when the store keeps no feed.</param>
public sealed class SqlIdentityStore(StoreDialect dialect, Func<CancellationToken, Task> flush, ChangeFeedWriter? changes) : IIdentityStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<IReadOnlyList<IdentityConflict>> ClaimAsync(string customerId, IReadOnlyCollection<string> keys, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        keys.Count == 0 ? Task.FromResult<IReadOnlyList<IdentityConflict>>([]) : InTransactionAsync<IReadOnlyList<IdentityConflict>>(async (connection, transaction) =>
        {
            var conflicts = new List<IdentityConflict>();
            var millis = at.ToUnixTimeMilliseconds();
            foreach (var key in keys)
            {
                var (kind, value) = IdentifierKeys.Split(key);
                await ExecuteAsync(connection, transaction, """
                    INSERT INTO engagement_identities (kind, value, customer_id, since) VALUES (@kind, @value, @customer, @at)
                    ON CONFLICT (kind, value) DO NOTHING
                    """, cancellationToken, ("kind", kind), ("value", value), ("customer", customerId), ("at", millis));
                var owner = await ScalarAsync<string>(connection, transaction,
                    "SELECT customer_id FROM engagement_identities WHERE kind = @kind AND value = @value", cancellationToken, ("kind", kind), ("value", value));
                if (owner is null || owner == customerId) continue;
                var recorded = await ExecuteAsync(connection, transaction, """
                    INSERT INTO engagement_identity_conflicts (kind, value, owner_id, claimant_id, at) VALUES (@kind, @value, @owner, @claimant, @at)
                    ON CONFLICT (kind, value, owner_id, claimant_id) DO NOTHING
                    """, cancellationToken, ("kind", kind), ("value", value), ("owner", owner), ("claimant", customerId), ("at", millis));
                if (recorded == 1) conflicts.Add(new IdentityConflict(0, kind, value, owner, customerId, at));
            }
            return conflicts;
        }, cancellationToken);

    public Task ReleaseAsync(string customerId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
        keys.Count == 0 ? Task.CompletedTask : InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var key in keys)
            {
                var (kind, value) = IdentifierKeys.Split(key);
                await ExecuteAsync(connection, transaction, "DELETE FROM engagement_identities WHERE kind = @kind AND value = @value AND customer_id = @customer",
                    cancellationToken, ("kind", kind), ("value", value), ("customer", customerId));
            }
            return true;
        }, cancellationToken);

    public async Task<string?> OwnerAsync(string key, CancellationToken cancellationToken = default)
    {
        var (kind, value) = IdentifierKeys.Split(key);
        var found = await QueryAsync("SELECT customer_id FROM engagement_identities WHERE kind = @kind AND value = @value",
            [("kind", kind), ("value", value)], r => r.GetString(0), cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<IdentityRow>> IdentifiersAsync(string customerId, CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT kind, value, customer_id, since FROM engagement_identities WHERE customer_id = @customer ORDER BY kind, value",
            [("customer", customerId)], ReadIdentity, cancellationToken);

    public Task<IReadOnlyList<IdentityConflict>> ConflictsAsync(string? customerId, long afterId, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT id, kind, value, owner_id, claimant_id, at FROM engagement_identity_conflicts
            WHERE id > @after{(customerId is null ? "" : " AND (owner_id = @customer OR claimant_id = @customer)")}
            ORDER BY id LIMIT {Math.Clamp(limit, 1, 1000)}
            """, [("after", afterId), .. customerId is null ? Array.Empty<(string, object)>() : [("customer", customerId)]],
            r => new IdentityConflict(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5))),
            cancellationToken);

    public async Task<IReadOnlyDictionary<string, string>> RedirectsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT value, customer_id FROM engagement_identities WHERE kind = @kind", [("kind", IdentifierKeys.Customer)],
            r => KeyValuePair.Create(r.GetString(0), r.GetString(1)), cancellationToken);
        return new Dictionary<string, string>(rows, StringComparer.Ordinal);
    }

    /// <remarks>The count as well as the highest sequence: on PostgreSQL a lower sequence can commit after a higher one.</remarks>
    public async Task<long> RedirectsVersionAsync(CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync("SELECT COUNT(*), COALESCE(MAX(sequence), 0) FROM engagement_identity_merges", [],
            r => r.GetInt64(0) * 1_000_003 + r.GetInt64(1), cancellationToken);
        return found[0];
    }

    public Task<IReadOnlyList<MergeRecord>> MergesAsync(string customerId, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT {MergeColumns} FROM engagement_identity_merges WHERE target_id = @customer OR source_id = @customer
            ORDER BY sequence DESC LIMIT {Math.Clamp(limit, 1, 1000)}
            """, [("customer", customerId)], ReadMerge, cancellationToken);

    public async Task<bool> CompactedAsync(string customerId, CancellationToken cancellationToken = default) =>
        (await QueryAsync("SELECT COUNT(*) FROM engagement_journal_compactions WHERE customer_id = @customer", [("customer", customerId)],
            r => r.GetInt64(0), cancellationToken))[0] > 0;

    public async Task<IdentityMove> MergeAsync(string targetId, string sourceId, string actor, string reason, DateTimeOffset at, JournalEntry note,
        CancellationToken cancellationToken = default)
    {
        await flush(cancellationToken).ConfigureAwait(false);
        var move = await InTransactionAsync(async (connection, transaction) =>
        {
            var target = await ReadJournalAsync(connection, transaction, targetId, cancellationToken);
            var source = await ReadJournalAsync(connection, transaction, sourceId, cancellationToken);
            var seen = target.Select(r => r.Entry.EventId).ToHashSet(StringComparer.Ordinal);
            var combined = target.Concat(source.Where(r => seen.Add(r.Entry.EventId)).Select(r => r with { Origin = r.Origin ?? sourceId }))
                .Append(new JournalRow(note, null)).ToList();
            await ReplaceJournalAsync(connection, transaction, targetId, combined, [targetId, sourceId], cancellationToken);

            var moved = (await QueryAsync(connection, transaction, "SELECT kind, value, customer_id, since FROM engagement_identities WHERE customer_id = @source",
                [("source", sourceId)], ReadIdentity, cancellationToken)).Select(i => IdentifierKeys.Of(i.Kind, i.Value)).ToList();
            await ExecuteAsync(connection, transaction, "UPDATE engagement_identities SET customer_id = @target WHERE customer_id = @source",
                cancellationToken, ("target", targetId), ("source", sourceId));
            await ExecuteAsync(connection, transaction, """
                INSERT INTO engagement_identities (kind, value, customer_id, since) VALUES (@kind, @source, @target, @at)
                ON CONFLICT (kind, value) DO UPDATE SET customer_id = excluded.customer_id, since = excluded.since
                """, cancellationToken, ("kind", IdentifierKeys.Customer), ("source", sourceId), ("target", targetId), ("at", at.ToUnixTimeMilliseconds()));
            moved.Add(IdentifierKeys.Of(IdentifierKeys.Customer, sourceId));

            // The source no longer counts in the population or the query index, and its digest (what the feed last said of it) is gone.
            foreach (var table in (string[])["engagement_customer_digest", "engagement_customer_segments", "engagement_customer_attributes"])
            {
                await ExecuteAsync(connection, transaction, $"DELETE FROM {table} WHERE customer_id = @source", cancellationToken, ("source", sourceId));
            }
            var record = await RecordAsync(connection, transaction, MergeRecord.Merged, targetId, sourceId, at, actor, reason, moved, cancellationToken);
            await WriteChangeAsync(connection, transaction, targetId, ChangeKinds.IdentityMerged, record, cancellationToken);
            return new IdentityMove(record, combined.Count, 0);
        }, cancellationToken).ConfigureAwait(false);
        changes?.Signal.Pulse();
        return move;
    }

    public Task RecordMovedAlertsAsync(long mergeSequence, IReadOnlyList<string> alertIds, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "UPDATE engagement_identity_merges SET alerts = @alerts WHERE sequence = @sequence", cancellationToken,
            ("alerts", JsonSerializer.Serialize(alertIds, Json)), ("sequence", mergeSequence)), cancellationToken);

    public async Task<(IdentityMove Move, MergeRecord Merge)?> UnmergeAsync(string targetId, string sourceId, string actor, string reason, DateTimeOffset at,
        JournalEntry targetNote, JournalEntry sourceNote, CancellationToken cancellationToken = default)
    {
        await flush(cancellationToken).ConfigureAwait(false);
        var result = await InTransactionAsync<(IdentityMove, MergeRecord)?>(async (connection, transaction) =>
        {
            var merge = await InForceAsync(connection, transaction, targetId, sourceId, cancellationToken);
            if (merge is null) return null;
            // The source's own rows, and those of customers merged into it before it was merged here (their merges still stand).
            var origins = new HashSet<string>(StringComparer.Ordinal) { sourceId };
            var frontier = new Queue<string>([sourceId]);
            while (frontier.TryDequeue(out var next))
            {
                foreach (var absorbed in await SourcesInForceAsync(connection, transaction, next, cancellationToken))
                {
                    if (origins.Add(absorbed)) frontier.Enqueue(absorbed);
                }
            }
            var rows = await ReadJournalAsync(connection, transaction, targetId, cancellationToken);
            var back = rows.Where(r => r.Origin is { } o && origins.Contains(o)).Select(r => r with { Origin = r.Origin == sourceId ? null : r.Origin })
                .Append(new JournalRow(sourceNote, null)).ToList();
            var kept = rows.Where(r => r.Origin is not { } o || !origins.Contains(o)).Append(new JournalRow(targetNote, null)).ToList();
            await ReplaceJournalAsync(connection, transaction, targetId, kept, [targetId], cancellationToken);
            await ReplaceJournalAsync(connection, transaction, sourceId, back, [sourceId], cancellationToken);

            await ExecuteAsync(connection, transaction, "DELETE FROM engagement_identities WHERE kind = @kind AND value = @source",
                cancellationToken, ("kind", IdentifierKeys.Customer), ("source", sourceId));
            foreach (var key in merge.Identifiers)
            {
                var (kind, value) = IdentifierKeys.Split(key);
                if (kind == IdentifierKeys.Customer && value == sourceId) continue;
                await ExecuteAsync(connection, transaction, "UPDATE engagement_identities SET customer_id = @source WHERE kind = @kind AND value = @value AND customer_id = @target",
                    cancellationToken, ("source", sourceId), ("kind", kind), ("value", value), ("target", targetId));
            }
            var record = await RecordAsync(connection, transaction, MergeRecord.Unmerged, targetId, sourceId, at, actor, reason, merge.Identifiers, cancellationToken);
            await WriteChangeAsync(connection, transaction, targetId, ChangeKinds.IdentityUnmerged, record, cancellationToken);
            return (new IdentityMove(record, kept.Count, back.Count), merge);
        }, cancellationToken).ConfigureAwait(false);
        if (result is not null) changes?.Signal.Pulse();
        return result;
    }

    /// <summary>The latest merge of the pair, unless an unmerge of the pair came after it.</summary>
    private static async Task<MergeRecord?> InForceAsync(DbConnection connection, DbTransaction transaction, string targetId, string sourceId, CancellationToken cancellationToken)
    {
        var latest = await QueryAsync(connection, transaction, $"""
            SELECT {MergeColumns} FROM engagement_identity_merges WHERE target_id = @target AND source_id = @source ORDER BY sequence DESC LIMIT 1
            """, [("target", targetId), ("source", sourceId)], ReadMerge, cancellationToken);
        return latest is [{ Action: MergeRecord.Merged } merge] ? merge : null;
    }

    private static async Task<IEnumerable<string>> SourcesInForceAsync(DbConnection connection, DbTransaction transaction, string targetId, CancellationToken cancellationToken)
    {
        var all = await QueryAsync(connection, transaction, $"SELECT {MergeColumns} FROM engagement_identity_merges WHERE target_id = @target ORDER BY sequence",
            [("target", targetId)], ReadMerge, cancellationToken);
        var latest = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in all) latest[record.SourceId] = record.Action;
        return latest.Where(p => p.Value == MergeRecord.Merged).Select(p => p.Key);
    }

    private async Task WriteChangeAsync(DbConnection connection, DbTransaction transaction, string customerId, string kind, MergeRecord record, CancellationToken cancellationToken)
    {
        if (changes is null) return;
        var data = JsonSerializer.Serialize(new { into = record.TargetId, from = record.SourceId, by = record.Actor, reason = record.Reason, identifiers = record.Identifiers }, Json);
        await ChangeRows.InsertAsync(dialect, connection, transaction, [new NewChange(customerId, kind, data)], changes.Now, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<MergeRecord> RecordAsync(DbConnection connection, DbTransaction transaction, string action, string targetId, string sourceId,
        DateTimeOffset at, string actor, string reason, IReadOnlyList<string> identifiers, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, """
            INSERT INTO engagement_identity_merges (action, target_id, source_id, at, actor, reason, identifiers, alerts)
            VALUES (@action, @target, @source, @at, @actor, @reason, @identifiers, '[]')
            """, cancellationToken, ("action", action), ("target", targetId), ("source", sourceId), ("at", at.ToUnixTimeMilliseconds()),
            ("actor", actor), ("reason", reason), ("identifiers", JsonSerializer.Serialize(identifiers, Json)));
        var sequence = await ScalarAsync<long>(connection, transaction,
            "SELECT MAX(sequence) FROM engagement_identity_merges WHERE target_id = @target AND source_id = @source", cancellationToken, ("target", targetId), ("source", sourceId));
        return new MergeRecord(sequence, action, targetId, sourceId, at, actor, reason, identifiers, []);
    }

    private const string MergeColumns = "sequence, action, target_id, source_id, at, actor, reason, identifiers, alerts";

    private static MergeRecord ReadMerge(DbDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.GetString(5), r.GetString(6),
        JsonSerializer.Deserialize<List<string>>(r.GetString(7), Json) ?? [], JsonSerializer.Deserialize<List<string>>(r.GetString(8), Json) ?? []);

    private static IdentityRow ReadIdentity(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)));

    /// <summary>A journal row and the customer it was first recorded for, when a merge moved it.</summary>
    private sealed record JournalRow(JournalEntry Entry, string? Origin);

    private async Task<List<JournalRow>> ReadJournalAsync(DbConnection connection, DbTransaction transaction, string customerId, CancellationToken cancellationToken) =>
        [.. await QueryAsync(connection, transaction, """
            SELECT seq, event_id, event_type, channel, occurred_at, recorded_at, payload, origin FROM engagement_journal
            WHERE customer_id = @customer ORDER BY seq
            """, [("customer", customerId)], r => new JournalRow(new JournalEntry(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
                dialect.ReadInstant(r, 4), dialect.ReadInstant(r, 5), r.GetString(6)), r.IsDBNull(7) ? null : r.GetString(7)), cancellationToken)];

    /// <summary>
    /// Replaces the journals of <paramref name="owners"/> with <paramref name="rows"/> as <paramref name="customerId"/>'s, in
    /// event-time order (ties in the order given), numbered from 1, each row's origin kept.
    /// </summary>
    private async Task ReplaceJournalAsync(DbConnection connection, DbTransaction transaction, string customerId, List<JournalRow> rows,
        string[] owners, CancellationToken cancellationToken)
    {
        foreach (var owner in owners)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM engagement_journal WHERE customer_id = @customer", cancellationToken, ("customer", owner));
        }
        var ordered = rows.Select((row, index) => (row, index)).OrderBy(p => p.row.Entry.OccurredAt).ThenBy(p => p.index)
            .Select((p, i) => p.row with { Entry = p.row.Entry with { Seq = i + 1 } }).ToList();
        await dialect.AppendAsync(connection, transaction, [new GroupCommitJournal.PendingAppend(customerId, [.. ordered.Select(r => r.Entry)])], cancellationToken)
            .ConfigureAwait(false);
        foreach (var origin in ordered.Where(r => r.Origin is not null).GroupBy(r => r.Origin!, StringComparer.Ordinal))
        {
            foreach (var chunk in origin.Chunk(500))
            {
                var parameters = chunk.Select((r, i) => ($"s{i}", (object)r.Entry.Seq)).ToArray();
                await ExecuteAsync(connection, transaction,
                    $"UPDATE engagement_journal SET origin = @origin WHERE customer_id = @customer AND seq IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))})",
                    cancellationToken, [("origin", origin.Key), ("customer", customerId), .. parameters]);
            }
        }
    }

    private Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        dialect.OffTheCaller(async () =>
        {
            await using var connection = await dialect.OpenReadAsync(cancellationToken);
            await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        });

    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object Value)[] parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken) =>
        dialect.OffTheCaller(async () =>
        {
            await using var connection = await dialect.OpenReadAsync(cancellationToken);
            return await QueryAsync(connection, null, sql, parameters, map, cancellationToken);
        });

    private static async Task<IReadOnlyList<T>> QueryAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object Value)[] parameters,
        Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql, parameters);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(map(reader));
        return rows;
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T?> ScalarAsync<T>(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }
}
