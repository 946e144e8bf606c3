using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Engagement.Storage;

/// <summary>
/// The embedded SQLite file. SQLite runs in-process and has one writer at a time: each store writes through one
/// long-lived connection, and a group is one transaction of prepared statements (each a page-cache write; the
/// commit is the one fsync). Reads use pooled connections of their own.
/// </summary>
internal sealed partial class SqliteDialect(string connectionString) : StoreDialect
{
    /// <summary>
    /// What every connection that writes a SQLite file sets. FULL: every commit is on disk before the ack goes out,
    /// even across a power cut. A longer WAL between checkpoints copies a page that many commits wrote into the file
    /// once; the WAL is shared by the file's writers, so all of them must agree, or the one with the lower limit
    /// checkpoints for all. A writer touches pages all over its B-trees (one customer per row): a larger page cache
    /// saves re-reading them.
    /// </summary>
    private const string WriterSettings = "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 16384; PRAGMA cache_size = -32768;";

    // ISO 8601 in UTC with 100 ns precision: sorts as text and reads back exactly.
    internal const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public override StoreKind Kind => StoreKind.Sqlite;

    internal override TagList Database { get; } = new()
    {
        { "db.system.name", "sqlite" },
        { "db.namespace", new SqliteConnectionStringBuilder(connectionString).DataSource },
    };

    internal override WriterConnection CreateWriter() => new Writer(connectionString);

    internal override async ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken) =>
        await OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);

    // DEFERRED: a read transaction; in WAL mode its first read fixes the snapshot the later ones see.
    internal override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    // IMMEDIATE: the write lock is taken at BEGIN, so a writer waits (busy timeout) instead of failing to upgrade.
    internal override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    // It still holds a pool thread while it runs, but the grain's turn yields instead of blocking through the I/O.
    internal override Task<T> OffTheCaller<T>(Func<Task<T>> work) => Task.Run(work);

    internal override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) =>
        DateTimeOffset.ParseExact(reader.GetString(ordinal), InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    internal override object InstantValue(DateTimeOffset instant) => instant.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture);

    internal override Task<bool[][]> AppendAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<GroupCommitJournal.PendingAppend> group, CancellationToken cancellationToken)
    {
        // Bound through SQLite's own API (SqliteRawStatement): the journal's rows are the store's hottest path.
        using var insert = new SqliteRawStatement((SqliteConnection)connection,
            $"{GroupCommitJournal.InsertEntriesSql} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) {GroupCommitJournal.OnEntryConflictSql}");
        var results = new bool[group.Count][];
        for (var g = 0; g < group.Count; g++)
        {
            var pending = group[g];
            var fresh = results[g] = new bool[pending.Entries.Count];
            for (var i = 0; i < fresh.Length; i++)
            {
                var entry = pending.Entries[i];
                insert.Text(1, pending.CustomerId);
                insert.Int64(2, entry.Seq);
                insert.Text(3, entry.EventId);
                insert.Text(4, entry.EventType);
                insert.Text(5, entry.Channel);
                insert.Instant(6, entry.OccurredAt);
                insert.Instant(7, entry.RecordedAt);
                insert.Text(8, entry.Payload);
                fresh[i] = insert.Execute() == 1;
            }
        }
        return Task.FromResult(results);
    }

    internal override Task UpsertDigestsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        using var upsert = new SqliteRawStatement((SqliteConnection)connection,
            $"{GroupCommitJournal.InsertDigestsSql} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23) {GroupCommitJournal.OnDigestConflictSql}");
        foreach (var d in digests)
        {
            upsert.Text(1, d.CustomerId);
            upsert.Int64(2, d.Bucket);
            upsert.Int64(3, d.FirstPurchaseDay);
            upsert.Int64(4, d.LastPurchaseDay);
            upsert.Int64(5, d.PurchaseDays);
            upsert.Double(6, d.TotalSpend);
            upsert.Double(7, d.MeanRepeatSpend);
            upsert.Text(8, d.Stage);
            upsert.Text(9, d.Tier);
            upsert.Text(10, d.Segments);
            upsert.Int64(11, d.DueAtMilliseconds);
            upsert.Text(12, d.Team);
            upsert.Text(13, d.Name);
            upsert.Text(14, CustomerDigest.SearchKey(d.Name));
            upsert.Text(15, CustomerDigest.SearchKey(d.Email));
            upsert.Text(16, d.IdNumber);
            upsert.Double(17, d.Clv);
            upsert.Double(18, d.ChurnRisk);
            upsert.Double(19, d.ExpectedLoss);
            upsert.Text(20, d.RfmCell);
            upsert.Text(21, d.RfmGroup ?? "");
            upsert.Int64(22, d.AttributesHash);
            upsert.Text(23, d.RiskBand);
            upsert.Execute();
        }
        return Task.CompletedTask;
    }

    internal override async Task<bool[]> WriteStatesAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<GroupedGrainStorage.StateWrite> group, CancellationToken cancellationToken)
    {
        // The two statements are prepared once per group, and each write only binds its values.
        await using var upsert = Prepared(connection, transaction, GroupedGrainStorage.UpsertSql,
            ("key", SqliteType.Text), ("version", SqliteType.Integer), ("payload", SqliteType.Blob));
        await using var delete = Prepared(connection, transaction, GroupedGrainStorage.DeleteSql,
            ("key", SqliteType.Text), ("version", SqliteType.Integer));
        var results = new bool[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            var write = group[i];
            if (write.Payload is null)
            {
                Bind(delete, write.Key, write.Version);
                delete.ExecuteNonQuery();
                results[i] = true;
            }
            else
            {
                Bind(upsert, write.Key, write.Version, write.Payload);
                results[i] = upsert.ExecuteNonQuery() == 1;
            }
        }
        return results;
    }

    // The transaction is IMMEDIATE (BeginWriteAsync): the file's one writer is the lock, so the numbers continue
    // from the highest stored and sequence order is commit order.
    internal override async Task<IReadOnlyList<long>> NextAlertSequencesAsync(DbConnection connection, DbTransaction transaction,
        int count, CancellationToken cancellationToken)
    {
        await using var last = SqlCommands.Create(connection, transaction, SqlAlertStore.LastSequenceSql);
        var highest = Convert.ToInt64(last.ExecuteScalar(), CultureInfo.InvariantCulture);
        return [.. Enumerable.Range(1, count).Select(i => highest + i)];
    }

    internal override async Task WriteAlertsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<SqlAlertStore.StoredAlert> changes, CancellationToken cancellationToken)
    {
        await using var change = Prepared(connection, transaction, $"{SqlAlertStore.InsertChangesSql} VALUES (@sequence, @id, @team, @payload)",
            ("sequence", SqliteType.Integer), ("id", SqliteType.Text), ("team", SqliteType.Text), ("payload", SqliteType.Text));
        await using var latest = Prepared(connection, transaction,
            $"{SqlAlertStore.InsertAlertsSql} VALUES (@id, @customer, @kind, @team, @state, @assigned, @sequence, @payload, @severity, @loss, @raised, @due) {SqlAlertStore.OnAlertConflictSql}",
            ("id", SqliteType.Text), ("customer", SqliteType.Text), ("kind", SqliteType.Text), ("team", SqliteType.Text),
            ("state", SqliteType.Text), ("assigned", SqliteType.Text), ("sequence", SqliteType.Integer), ("payload", SqliteType.Text),
            ("severity", SqliteType.Integer), ("loss", SqliteType.Real), ("raised", SqliteType.Integer), ("due", SqliteType.Integer));
        // In order: an alert changed twice in the group ends at its last change.
        foreach (var stored in changes)
        {
            var (alert, payload) = stored;
            Bind(change, alert.Sequence, alert.AlertId, alert.Team, payload);
            change.ExecuteNonQuery();
            Bind(latest, alert.AlertId, alert.CustomerId, alert.Kind.ToString(), alert.Team, alert.State.ToString(),
                alert.AssignedTo, alert.Sequence, payload, stored.SeverityRank, stored.ExpectedLoss, stored.RaisedAtMilliseconds,
                stored.DueByMilliseconds);
            latest.ExecuteNonQuery();
        }
    }

    internal override string JsonText(string column, string field) => $"json_extract({column}, '$.{field}')";

    // SQLite's LIKE ignores ASCII case and can use an index declared COLLATE NOCASE.
    internal override string PrefixLike(string column, string parameter) => $"{column} LIKE @{parameter} ESCAPE '\\'";

    internal override string SchemaFolder => "Sqlite";

    internal override ValueTask<DbConnection> OpenSchemaConnectionAsync(CancellationToken cancellationToken)
    {
        EnsureFolder();
        return OpenReadAsync(cancellationToken);
    }

    internal override async Task<DbTransaction> BeginSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // WAL lets readers work beside the single writer and makes a commit one sequential append; the mode is
        // stored in the file, so it holds for every later connection. It cannot change inside a transaction.
        await using (var wal = SqlCommands.Create(connection, null, "PRAGMA journal_mode=WAL;"))
        {
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // IMMEDIATE: processes starting together wait for each other (busy timeout) instead of failing when a
        // read lock cannot be upgraded.
        return ((SqliteConnection)connection).BeginTransaction(deferred: false);
    }

    internal override string SchemaInstantType => "TEXT";

    // SQLite has no "ADD COLUMN IF NOT EXISTS" (PostgreSQL has): such a statement runs only while the table lacks the column,
    // so that a changed script (which runs again as a whole) stays idempotent, as in PostgreSQL.
    private static readonly Regex AddColumnIfNotExists = new(
        @"ALTER\s+TABLE\s+(?<table>\w+)\s+ADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\s+(?<column>\w+)(?<definition>[^;]*);",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    internal override async Task ExecuteScriptAsync(DbConnection connection, DbTransaction transaction, string script,
        Func<string, CancellationToken, Task> execute, CancellationToken cancellationToken)
    {
        var start = 0;
        foreach (Match match in AddColumnIfNotExists.Matches(script))
        {
            await ExecuteTextAsync(script[start..match.Index]);
            start = match.Index + match.Length;
            var (table, column) = (match.Groups["table"].Value, match.Groups["column"].Value);
            await using var exists = SqlCommands.Create(connection, transaction,
                "SELECT COUNT(*) FROM pragma_table_info(@table) WHERE name = @column COLLATE NOCASE", ("table", table), ("column", column));
            if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                await execute($"ALTER TABLE {table} ADD COLUMN {column}{match.Groups["definition"].Value};", cancellationToken);
            }
        }
        await ExecuteTextAsync(script[start..]);

        Task ExecuteTextAsync(string text) => string.IsNullOrWhiteSpace(text) ? Task.CompletedTask : execute(text, cancellationToken);
    }

    private static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>A statement prepared once, its parameters typed; each row only binds its values (<see cref="Bind"/>).</summary>
    private static SqliteCommand Prepared(DbConnection connection, DbTransaction transaction, string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = ((SqliteConnection)connection).CreateCommand();
        command.Transaction = (SqliteTransaction)transaction;
        command.CommandText = sql;
        foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
        command.Prepare();
        return command;
    }

    /// <summary>Binds a prepared statement's parameters in order; null is SQL NULL.</summary>
    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    /// <summary>
    /// SQLite creates a missing file but not a missing folder; both are made owner-only here (see <see cref="OwnerOnly"/>),
    /// and so are the WAL and shared-memory files an older version left readable.
    /// </summary>
    private void EnsureFolder()
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var path = builder.DataSource;
        if (builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(path) || path == ":memory:")
        {
            return;
        }

        if (path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            // URI filenames: file:data.db, file:/abs/data.db or file:///abs/data.db, optionally ?options.
            path = Uri.UnescapeDataString(path["file:".Length..].Split('?', 2)[0]);
            if (path.StartsWith("///", StringComparison.Ordinal))
            {
                path = path[2..];
            }

            if (path.Length == 0 || path == ":memory:")
            {
                return;
            }
        }

        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            OwnerOnly.Folder(folder);
        }

        if (builder.Mode == SqliteOpenMode.ReadOnly) return;
        OwnerOnly.File(full);
        foreach (var companion in new[] { full + "-wal", full + "-shm", full + "-journal" })
        {
            if (File.Exists(companion)) OwnerOnly.File(companion);
        }
    }

    /// <summary>One long-lived connection with the writers' settings, reopened should it ever be closed.</summary>
    private sealed class Writer(string connectionString) : WriterConnection
    {
        private SqliteConnection? _connection;

        public override async ValueTask<Lease> OpenAsync(CancellationToken cancellationToken)
        {
            if (_connection is { State: System.Data.ConnectionState.Open }) return new Lease(_connection, owned: false);
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = await SqliteDialect.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
            await using var settings = SqlCommands.Create(_connection, null, WriterSettings);
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new Lease(_connection, owned: false);
        }

        public override async ValueTask DisposeAsync()
        {
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
