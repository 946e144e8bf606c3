using System.Data.Common;
using Microsoft.Extensions.Logging;

using Engagement.Contracts.Customers;

namespace Engagement.Storage;

/// <summary>
/// The journal's group commit (<see cref="GroupCommitWriter{TWrite,TResult}"/>): appends and digests from
/// many grains queue up while the previous transaction commits, and the next transaction takes them all.
/// One fsync then acknowledges the events of many customers, which is what lets the engine run near the
/// store's batched-append rate instead of its one-row-per-transaction rate. The same flow on both stores;
/// the <see cref="StoreDialect"/> writes the rows its way and opens the connections.
/// </summary>
public sealed class GroupCommitJournal : GroupCommitWriter<GroupCommitJournal.PendingAppend, bool[]>, IEventJournal, IPopulationStore
{
    // What both dialects' statements share; each puts its rows in its own way (StoreDialect.AppendAsync, UpsertDigestsAsync).
    internal const string InsertEntriesSql =
        "INSERT INTO engagement_journal (customer_id, seq, event_id, event_type, channel, occurred_at, recorded_at, payload)";

    internal const string OnEntryConflictSql = "ON CONFLICT (customer_id, event_id) DO NOTHING";

    internal const string InsertDigestsSql = """
        INSERT INTO engagement_customer_digest (customer_id, bucket, first_purchase_day, last_purchase_day, purchase_days, total_spend, mean_repeat_spend, stage, tier, segments, due_at,
            team, name, name_key, email_key, id_number, clv, churn_risk, expected_loss, rfm_cell, rfm_group, attributes_hash, risk_band)
        """;

    internal const string OnDigestConflictSql = """
        ON CONFLICT (customer_id) DO UPDATE SET
            first_purchase_day = excluded.first_purchase_day, last_purchase_day = excluded.last_purchase_day,
            purchase_days = excluded.purchase_days, total_spend = excluded.total_spend,
            mean_repeat_spend = excluded.mean_repeat_spend, stage = excluded.stage, tier = excluded.tier, segments = excluded.segments, due_at = excluded.due_at,
            team = excluded.team, name = excluded.name, name_key = excluded.name_key, email_key = excluded.email_key, id_number = excluded.id_number,
            clv = excluded.clv, churn_risk = excluded.churn_risk, expected_loss = excluded.expected_loss,
            rfm_cell = excluded.rfm_cell, rfm_group = excluded.rfm_group, attributes_hash = excluded.attributes_hash, risk_band = excluded.risk_band
        """;

    private readonly StoreDialect _dialect;
    private readonly WriterConnection _writer;
    private readonly ChangeFeedWriter? _changes;

    /// <param name="changes">Writes the decisions the digests make into the change feed, in the digests' transaction.</param>
    public GroupCommitJournal(StoreDialect dialect, int maxEntriesPerCommit, ILogger<GroupCommitJournal> logger, ChangeFeedWriter? changes = null)
        : base(maxEntriesPerCommit, logger)
    {
        _dialect = dialect;
        _writer = dialect.CreateWriter();
        _changes = changes;
    }

    public Task<bool[]> AppendAsync(string customerId, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default) =>
        entries.Count == 0 ? Task.FromResult(Array.Empty<bool>()) : EnqueueAsync(new PendingAppend(customerId, entries), cancellationToken);

    public void RecordDigest(CustomerDigest digest) => Post(new PendingAppend(digest.CustomerId, [], digest));

    /// <summary>Returns once everything queued before the call (appends and digests) is committed.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => EnqueueAsync(new PendingAppend("", []), cancellationToken);

    protected override int WeightOf(PendingAppend write) => write.Entries.Count;

    protected override void OnCommitted(int writes, int weight, TimeSpan duration) => JournalMetrics.RecordCommit(weight, duration);

    protected override async Task<bool[][]> CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        await using var lease = await _writer.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(lease.Connection, cancellationToken).ConfigureAwait(false);
        var results = await _dialect.AppendAsync(lease.Connection, transaction, group, cancellationToken).ConfigureAwait(false);
        var digests = LatestDigests(group);
        var changed = 0;
        if (digests.Count > 0)
        {
            var stored = await CustomerIndex.UpsertDigestsAsync(_dialect, lease.Connection, transaction, digests, cancellationToken).ConfigureAwait(false);
            if (_changes is not null) changed = await _changes.WriteDigestChangesAsync(_dialect, lease.Connection, transaction, digests, stored, cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (changed > 0) _changes!.Signal.Pulse();
        return results;
    }

    /// <remarks>
    /// Entries the retry finds stored already (<c>ON CONFLICT DO NOTHING</c>) are duplicates, unless the failed group commit
    /// stored them after all: then the journal holds them at the numbers and with the payloads this attempt gave them
    /// (<see cref="JournalReadBack"/>), and they are new. Counted as duplicates, they were never applied nor alerted.
    /// </remarks>
    protected override async Task<bool[]> CommitAloneAsync(PendingAppend write, CancellationToken cancellationToken)
    {
        var fresh = (await CommitGroupAsync([write], cancellationToken).ConfigureAwait(false))[0];
        if (Array.TrueForAll(fresh, f => f)) return fresh;
        var stored = await ReadAsync(write.CustomerId, write.Entries.Min(e => e.Seq) - 1, cancellationToken).ConfigureAwait(false);
        var landed = JournalReadBack.Landed(write.Entries, stored);
        for (var i = 0; i < fresh.Length; i++) fresh[i] |= landed[i];
        return fresh;
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeCoreAsync().ConfigureAwait(false);
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

    // The RFM group as the query index keeps it with the digest ('' for none), whether or not the change feed runs.
    private const string ReadSweepDigestsSql = """
        SELECT customer_id, first_purchase_day, last_purchase_day, purchase_days, total_spend, mean_repeat_spend, stage, tier,
               segments, NULLIF(rfm_group, ''), churn_risk
        FROM engagement_customer_digest
        WHERE bucket = @bucket
        """;

    private const string DueSql = """
        SELECT customer_id, due_at FROM engagement_customer_digest
        WHERE due_at <= @now AND bucket >= @from AND bucket < @to
        ORDER BY due_at
        LIMIT @limit
        """;

    public Task<IReadOnlyList<JournalEntry>> ReadAsync(string customerId, long afterSeq, CancellationToken cancellationToken = default) =>
        QueryAsync(ReadSql, [("customer", customerId), ("after", afterSeq)], reader => new JournalEntry(
            reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            _dialect.ReadInstant(reader, 4), _dialect.ReadInstant(reader, 5), reader.GetString(6)), cancellationToken);

    public Task<IReadOnlyList<CustomerDigest>> ReadDigestsAsync(int fromBucket, int toBucket, CancellationToken cancellationToken = default) =>
        QueryAsync(ReadDigestsSql, [("from", fromBucket), ("to", toBucket)], reader => new CustomerDigest(reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.GetInt32(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetString(6), reader.GetString(7), reader.GetString(8),
            CustomerDigest.FromMilliseconds(reader.IsDBNull(9) ? null : reader.GetInt64(9))), cancellationToken);

    public Task<IReadOnlyList<CustomerDigest>> ReadSweepDigestsAsync(int bucket, CancellationToken cancellationToken = default) =>
        QueryAsync(ReadSweepDigestsSql, [("bucket", bucket)], reader => new CustomerDigest(reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.GetInt32(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetString(6), reader.GetString(7), reader.GetString(8), null,
            RfmGroup: reader.IsDBNull(9) ? null : reader.GetString(9), ChurnRisk: reader.GetDouble(10)), cancellationToken);

    public Task<IReadOnlyList<DueCustomer>> DueAsync(int fromBucket, int toBucket, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(DueSql, [("now", now.ToUnixTimeMilliseconds()), ("from", fromBucket), ("to", toBucket), ("limit", limit)],
            reader => new DueCustomer(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))), cancellationToken);

    /// <remarks>Served by the partial index of at-risk customers by team and money at risk (11-population.sql).</remarks>
    public Task<IReadOnlyList<AtRiskCustomer>> AtRiskAsync(IReadOnlyCollection<string>? teams, int limit, CancellationToken cancellationToken = default)
    {
        var teamParameters = (teams ?? []).Select((t, i) => ($"team{i}", (object)t)).ToArray();
        var teamFilter = teams is null ? "" : teams.Count == 0 ? " AND 1 = 0" : $" AND team IN ({string.Join(", ", teamParameters.Select(p => "@" + p.Item1))})";
        return QueryAsync($"""
            SELECT customer_id, name, stage, tier, clv, churn_risk, expected_loss, last_purchase_day FROM engagement_customer_digest
            WHERE stage IN ('AtRisk', 'Lapsed'){teamFilter}
            ORDER BY expected_loss DESC, customer_id LIMIT {Math.Clamp(limit, 1, 1000)}
            """, teamParameters, reader => new AtRiskCustomer
        {
            CustomerId = reader.GetString(0),
            Name = reader.IsDBNull(1) ? null : reader.GetString(1),
            Stage = reader.GetString(2),
            Tier = reader.GetString(3),
            Clv = reader.GetDouble(4),
            ChurnRisk = reader.GetDouble(5),
            ExpectedLoss = reader.GetDouble(6),
            LastPurchaseAt = reader.IsDBNull(7) ? null : new DateTimeOffset(DateOnly.FromDayNumber(reader.GetInt32(7)), TimeOnly.MinValue, TimeSpan.Zero),
        }, cancellationToken);
    }

    /// <remarks>
    /// One indexed prefix read per key (id, the id's number, name, email), each bounded, in that order of precedence;
    /// a customer found by several is listed once.
    /// </remarks>
    public async Task<IReadOnlyList<CustomerSearchHit>> SearchAsync(string text, int limit, CancellationToken cancellationToken = default)
    {
        var key = CustomerDigest.SearchKey(text);
        if (key is null) return [];
        // LIKE's own characters in the text are literal.
        var pattern = key.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal) + "%";
        var columns = key.All(char.IsAsciiDigit) ? new[] { "customer_id", "id_number" } : ["customer_id", "name_key", "email_key"];
        var hits = new Dictionary<string, CustomerSearchHit>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            var found = await QueryAsync($"""
                SELECT customer_id, name, stage, tier FROM engagement_customer_digest
                WHERE {_dialect.PrefixLike(column, "pattern")} ORDER BY customer_id LIMIT {Math.Clamp(limit, 1, 1000)}
                """, [("pattern", pattern)],
                reader => new CustomerSearchHit(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3)),
                cancellationToken);
            foreach (var hit in found) hits.TryAdd(hit.CustomerId, hit);
            if (hits.Count >= limit) break;
        }
        return [.. hits.Values.Take(limit)];
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object Value)[] parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, sql, parameters);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(map(reader));
        return rows;
    }

    /// <summary>The latest digest per customer in a group.</summary>
    private static Dictionary<string, CustomerDigest>.ValueCollection LatestDigests(IReadOnlyList<PendingAppend> group)
    {
        var latest = new Dictionary<string, CustomerDigest>(StringComparer.Ordinal);
        foreach (var pending in group)
        {
            if (pending.Digest is { } digest) latest[digest.CustomerId] = digest;
        }
        return latest.Values;
    }

    /// <summary>One grain's entries (or its digest), waiting for the commit that makes them durable.</summary>
    public sealed record PendingAppend(string CustomerId, IReadOnlyList<JournalEntry> Entries, CustomerDigest? Digest = null);
}
