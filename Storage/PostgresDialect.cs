using System.Data.Common;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Engagement.Storage;

/// <summary>
/// A PostgreSQL database through one pooled data source, which this dialect owns. A group is one round trip
/// whatever its size: rows go as arrays into one multi-row statement (<c>unnest</c>), and grain states as one batch.
/// </summary>
internal sealed partial class PostgresDialect(NpgsqlDataSource dataSource) : StoreDialect
{
    // Any fixed keys will do; they only have to be the same in every process.
    private const long SchemaLockKey = 0x456E_6761_6765_5363; // "EngageSc"
    private const long AlertWritersLockKey = 7321001;
    private const long ChangeWritersLockKey = 7321016;

    public override StoreKind Kind => StoreKind.PostgreSql;

    internal override TagList Database { get; } = new()
    {
        { "db.system.name", "postgresql" },
        { "db.namespace", new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database },
    };

    internal override WriterConnection CreateWriter() => new Writer(dataSource);

    internal override async ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    internal override async ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);

    internal override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    internal override Task<T> OffTheCaller<T>(Func<Task<T>> work) => work();

    internal override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    // Npgsql takes a timestamptz only as UTC.
    internal override object InstantValue(DateTimeOffset instant) => instant.ToUniversalTime();

    /// <remarks>RETURNING tells which rows were new.</remarks>
    internal override async Task<bool[][]> AppendAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<GroupCommitJournal.PendingAppend> group, CancellationToken cancellationToken)
    {
        var rows = group.SelectMany(p => p.Entries.Select(e => (p.CustomerId, Entry: e))).ToArray();
        var inserted = new HashSet<(string Customer, long Seq)>();
        if (rows.Length > 0)
        {
            await using var insert = Command(connection, transaction, $"""
                {GroupCommitJournal.InsertEntriesSql}
                SELECT * FROM unnest(@customer, @seq, @event, @type, @channel, @occurred, @recorded, @payload)
                {GroupCommitJournal.OnEntryConflictSql}
                RETURNING customer_id, seq
                """);
            Column(insert, "customer", NpgsqlDbType.Text, rows, r => r.CustomerId);
            Column(insert, "seq", NpgsqlDbType.Bigint, rows, r => r.Entry.Seq);
            Column(insert, "event", NpgsqlDbType.Text, rows, r => r.Entry.EventId);
            Column(insert, "type", NpgsqlDbType.Text, rows, r => r.Entry.EventType);
            Column(insert, "channel", NpgsqlDbType.Text, rows, r => r.Entry.Channel);
            Column(insert, "occurred", NpgsqlDbType.TimestampTz, rows, r => r.Entry.OccurredAt.UtcDateTime);
            Column(insert, "recorded", NpgsqlDbType.TimestampTz, rows, r => r.Entry.RecordedAt.UtcDateTime);
            Column(insert, "payload", NpgsqlDbType.Text, rows, r => r.Entry.Payload);
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) inserted.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        return [.. group.Select(p => p.Entries.Select(e => inserted.Contains((p.CustomerId, e.Seq))).ToArray())];
    }

    internal override async Task UpsertDigestsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        var rows = digests.ToArray();
        await using var upsert = Command(connection, transaction, $"""
            {GroupCommitJournal.InsertDigestsSql}
            SELECT * FROM unnest(@customer, @bucket, @first, @last, @days, @spend, @mean, @stage, @tier, @segments, @due, @team, @name, @nameKey, @emailKey, @number, @clv, @risk, @loss, @cell, @group, @hash, @band)
            {GroupCommitJournal.OnDigestConflictSql}
            """);
        Column(upsert, "customer", NpgsqlDbType.Text, rows, d => d.CustomerId);
        Column(upsert, "bucket", NpgsqlDbType.Integer, rows, d => d.Bucket);
        Column(upsert, "first", NpgsqlDbType.Integer, rows, d => d.FirstPurchaseDay);
        Column(upsert, "last", NpgsqlDbType.Integer, rows, d => d.LastPurchaseDay);
        Column(upsert, "days", NpgsqlDbType.Integer, rows, d => d.PurchaseDays);
        Column(upsert, "spend", NpgsqlDbType.Double, rows, d => d.TotalSpend);
        Column(upsert, "mean", NpgsqlDbType.Double, rows, d => d.MeanRepeatSpend);
        Column(upsert, "stage", NpgsqlDbType.Text, rows, d => d.Stage);
        Column(upsert, "tier", NpgsqlDbType.Text, rows, d => d.Tier);
        Column(upsert, "segments", NpgsqlDbType.Text, rows, d => d.Segments);
        Column(upsert, "due", NpgsqlDbType.Bigint, rows, d => d.DueAtMilliseconds);
        Column(upsert, "team", NpgsqlDbType.Text, rows, d => d.Team);
        Column(upsert, "name", NpgsqlDbType.Text, rows, d => d.Name);
        Column(upsert, "nameKey", NpgsqlDbType.Text, rows, d => CustomerDigest.SearchKey(d.Name));
        Column(upsert, "emailKey", NpgsqlDbType.Text, rows, d => CustomerDigest.SearchKey(d.Email));
        Column(upsert, "number", NpgsqlDbType.Text, rows, d => d.IdNumber);
        Column(upsert, "clv", NpgsqlDbType.Double, rows, d => d.Clv);
        Column(upsert, "risk", NpgsqlDbType.Double, rows, d => d.ChurnRisk);
        Column(upsert, "loss", NpgsqlDbType.Double, rows, d => d.ExpectedLoss);
        Column(upsert, "cell", NpgsqlDbType.Text, rows, d => d.RfmCell);
        Column(upsert, "group", NpgsqlDbType.Text, rows, d => d.RfmGroup ?? "");
        Column(upsert, "hash", NpgsqlDbType.Bigint, rows, d => d.AttributesHash);
        Column(upsert, "band", NpgsqlDbType.Text, rows, d => d.RiskBand);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>Every statement of the group in one batch, one round trip; each statement's count tells whether it was taken.</remarks>
    internal override async Task<bool[]> WriteStatesAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<GroupedGrainStorage.StateWrite> group, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        foreach (var write in group)
        {
            var command = new NpgsqlBatchCommand(write.Payload is null ? GroupedGrainStorage.DeleteSql : GroupedGrainStorage.UpsertSql);
            command.Parameters.AddWithValue("key", write.Key);
            command.Parameters.AddWithValue("version", write.Version);
            if (write.Payload is not null) command.Parameters.AddWithValue("payload", write.Payload);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return [.. group.Select((write, i) => write.Payload is null || batch.BatchCommands[i].RecordsAffected == 1)];
    }

    /// <remarks>
    /// Under the alert writers' advisory lock, held to the commit, so that sequence order is commit order; the
    /// group's numbers in one call.
    /// </remarks>
    internal override async Task<IReadOnlyList<long>> NextAlertSequencesAsync(DbConnection connection, DbTransaction transaction,
        int count, CancellationToken cancellationToken)
    {
        await using (var @lock = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)"))
        {
            @lock.Parameters.AddWithValue("key", AlertWritersLockKey);
            await @lock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var sequences = new List<long>(count);
        await using (var next = Command(connection, transaction,
            "SELECT nextval(pg_get_serial_sequence('engagement_alert_changes', 'sequence')) FROM generate_series(1, @count)"))
        {
            next.Parameters.AddWithValue("count", count);
            await using var reader = await next.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) sequences.Add(reader.GetInt64(0));
        }
        sequences.Sort();
        return sequences;
    }

    /// <remarks>Taken only by a transaction that has changes to insert, as late as it can, so that journal commits without changes never wait on it.</remarks>
    internal override async Task LockChangeWritersAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var @lock = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)");
        @lock.Parameters.AddWithValue("key", ChangeWritersLockKey);
        await @lock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>The changes in one multi-row insert; the latest states in one multi-row upsert, one row per alert (its last change).</remarks>
    internal override async Task WriteAlertsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<SqlAlertStore.StoredAlert> changes, CancellationToken cancellationToken)
    {
        var rows = changes.ToArray();
        await using (var insert = Command(connection, transaction,
            $"{SqlAlertStore.InsertChangesSql} OVERRIDING SYSTEM VALUE SELECT * FROM unnest(@sequence, @id, @team, @payload)"))
        {
            Column(insert, "sequence", NpgsqlDbType.Bigint, rows, c => c.Alert.Sequence);
            Column(insert, "id", NpgsqlDbType.Text, rows, c => c.Alert.AlertId);
            Column(insert, "team", NpgsqlDbType.Text, rows, c => c.Alert.Team);
            Column(insert, "payload", NpgsqlDbType.Text, rows, c => c.Payload);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // One statement cannot update a row twice: an alert changed twice in the group goes in once, at its last change.
        var latest = rows.GroupBy(c => c.Alert.AlertId, StringComparer.Ordinal).Select(g => g.Last()).ToArray();
        await using var upsert = Command(connection, transaction,
            $"{SqlAlertStore.InsertAlertsSql} SELECT * FROM unnest(@id, @customer, @kind, @team, @state, @assigned, @sequence, @payload, @severity, @loss, @raised, @due) {SqlAlertStore.OnAlertConflictSql}");
        Column(upsert, "id", NpgsqlDbType.Text, latest, c => c.Alert.AlertId);
        Column(upsert, "customer", NpgsqlDbType.Text, latest, c => c.Alert.CustomerId);
        Column(upsert, "kind", NpgsqlDbType.Text, latest, c => c.Alert.Kind.ToString());
        Column(upsert, "team", NpgsqlDbType.Text, latest, c => c.Alert.Team);
        Column(upsert, "state", NpgsqlDbType.Text, latest, c => c.Alert.State.ToString());
        Column(upsert, "assigned", NpgsqlDbType.Text, latest, c => c.Alert.AssignedTo);
        Column(upsert, "sequence", NpgsqlDbType.Bigint, latest, c => c.Alert.Sequence);
        Column(upsert, "payload", NpgsqlDbType.Text, latest, c => c.Payload);
        Column(upsert, "severity", NpgsqlDbType.Bigint, latest, c => (long)c.SeverityRank);
        Column(upsert, "loss", NpgsqlDbType.Double, latest, c => c.ExpectedLoss);
        Column(upsert, "raised", NpgsqlDbType.Bigint, latest, c => c.RaisedAtMilliseconds);
        Column(upsert, "due", NpgsqlDbType.Bigint, latest, c => c.DueByMilliseconds);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal override string JsonText(string column, string field) => $"{column}::json ->> '{field}'";

    // lower(column) with text_pattern_ops, as the prefix indexes are built, so that LIKE 'prefix%' reads a range of the index.
    internal override string PrefixLike(string column, string parameter) => $"lower({column}) LIKE @{parameter} ESCAPE '\\'";

    internal override string SchemaFolder => "PostgreSQL";

    internal override async Task<DbTransaction> BeginSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Processes starting together queue here; without it two concurrent CREATE TABLE IF NOT EXISTS can still
        // collide in the catalog. Released by the commit or rollback.
        await using var @lock = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)");
        @lock.Parameters.AddWithValue("key", SchemaLockKey);
        @lock.CommandTimeout = StoreSchema.ScriptTimeoutSeconds;
        await @lock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return transaction;
    }

    internal override string SchemaInstantType => "timestamptz";

    public override async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private static NpgsqlCommand Command(DbConnection connection, DbTransaction transaction, string sql) =>
        new(sql, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);

    /// <summary>One column of a multi-row statement: the rows' values as a typed array (null is SQL NULL).</summary>
    private static void Column<TRow, TValue>(NpgsqlCommand command, string name, NpgsqlDbType type, IEnumerable<TRow> rows, Func<TRow, TValue> value) =>
        command.Parameters.Add(new NpgsqlParameter<TValue[]>(name, NpgsqlDbType.Array | type) { TypedValue = [.. rows.Select(value)] });

    /// <summary>A pooled connection per commit, back to the pool when the lease ends.</summary>
    private sealed class Writer(NpgsqlDataSource dataSource) : WriterConnection
    {
        public override async ValueTask<Lease> OpenAsync(CancellationToken cancellationToken) =>
            new(await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false), owned: true);

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
