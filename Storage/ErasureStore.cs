using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Engagement.Contracts.Privacy;

namespace Engagement.Storage;

/// <summary>
/// Erasure of a person at the store (issue 17): every row that names the customer, in every table of both databases,
/// found from the database's own catalogue so that tables added later are covered; the audit of each erasure, which
/// names the person only by a keyed hash; and, on SQLite, the compaction that takes the deleted bytes out of the files.
/// </summary>
/// <param name="journal">The journal's database (events, digests, query index, change feed, the audit).</param>
/// <param name="grainState">The grain state's database (checkpoints, alerts); on PostgreSQL the same as <paramref name="journal"/>.</param>
/// <param name="configuredKey">Engagement:Privacy:HashKey; null: the key the store made for itself (18-privacy.sql).</param>
public sealed class ErasureStore(StoreDialect journal, StoreDialect grainState, string? configuredKey = null)
{
    /// <summary>The column by which a table holds a customer's rows: every such table is erased.</summary>
    public const string CustomerColumn = "customer_id";

    private byte[]? _key;

    private IEnumerable<StoreDialect> Databases => ReferenceEquals(journal, grainState) ? [journal] : [grainState, journal];

    /// <summary>HMAC-SHA256 of the customer id under the privacy key, as lower-case hex: how the audit names a person.</summary>
    public async Task<string> SubjectHashAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var key = _key ??= await ReadKeyAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(customerId)));
    }

    private async Task<byte[]> ReadKeyAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(configuredKey)) return Encoding.UTF8.GetBytes(configuredKey);
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var read = SqlCommands.Create(connection, null, "SELECT key FROM engagement_privacy_key WHERE id = 1");
        var hex = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string
            ?? throw new InvalidOperationException("The store has no privacy key: its schema (18-privacy.sql) was not applied.");
        return Convert.FromHexString(hex);
    }

    /// <summary>Whether the customer id was ever erased (its later events are then refused or anonymised).</summary>
    public async Task<bool> IsErasedAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var hash = await SubjectHashAsync(customerId, cancellationToken).ConfigureAwait(false);
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var read = SqlCommands.Create(connection, null, "SELECT 1 FROM engagement_erasures WHERE subject_hash = @hash LIMIT 1", ("hash", hash));
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Records an erasure as started: from here on, the id's later events are refused or anonymised.</summary>
    public Task StartAsync(ErasureReceipt erasure, CancellationToken cancellationToken = default) => WriteAsync("""
        INSERT INTO engagement_erasures (erasure_id, subject_hash, requested_by, requested_at, state)
        VALUES (@id, @hash, @by, @at, @state)
        """, cancellationToken, ("id", erasure.ErasureId), ("hash", erasure.SubjectHash), ("by", erasure.RequestedBy),
        ("at", erasure.RequestedAt.ToUnixTimeMilliseconds()), ("state", erasure.State));

    /// <summary>Records how an erasure ended.</summary>
    public Task FinishAsync(string erasureId, string state, DateTimeOffset at, bool found, long rowsDeleted, CancellationToken cancellationToken = default) =>
        WriteAsync("""
            UPDATE engagement_erasures SET state = @state, completed_at = @at, found = @found, rows_deleted = @rows WHERE erasure_id = @id
            """, cancellationToken, ("id", erasureId), ("state", state), ("at", at.ToUnixTimeMilliseconds()), ("found", found ? 1 : 0), ("rows", rowsDeleted));

    public async Task<ErasureReceipt?> FindAsync(string erasureId, CancellationToken cancellationToken = default)
    {
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var read = SqlCommands.Create(connection, null, """
            SELECT erasure_id, subject_hash, requested_by, requested_at, completed_at, state, found, rows_deleted FROM engagement_erasures WHERE erasure_id = @id
            """, ("id", erasureId));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new ErasureReceipt
        {
            ErasureId = reader.GetString(0),
            SubjectHash = reader.GetString(1),
            RequestedBy = reader.GetString(2),
            RequestedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            State = reader.GetString(5),
            CompletedAt = reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            Found = reader.GetInt32(6) != 0,
            RowsDeleted = reader.GetInt64(7),
        };
    }

    private async Task WriteAsync(string sql, CancellationToken cancellationToken, params (string, object)[] parameters) => await journal.OffTheCaller(async () =>
    {
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }).ConfigureAwait(false);

    /// <summary>
    /// Deletes every row of the customer: in each table with a <see cref="CustomerColumn"/> column (found in the catalogue),
    /// the alert change log and keyed outcome requests (by the customer's alert ids), and the grain
    /// states named by <paramref name="stateKeys"/> (the customer's checkpoint, its contacts' index entries). The grain
    /// state's database goes first; the feed's delete holds the change writers' lock, so an alert change the relay was
    /// copying meanwhile is in the feed before that delete and goes with it. On SQLite the deletes zero what they free
    /// (secure_delete) and each file's WAL is then truncated; with <paramref name="compact"/> each file is first rebuilt
    /// (VACUUM), so that no earlier copy of a row (left by an update before) stays in a free page or a page's free space.
    /// </summary>
    /// <returns>How many rows were deleted.</returns>
    public Task<long> EraseAsync(string customerId, IReadOnlyCollection<string> stateKeys, bool compact, CancellationToken cancellationToken = default) =>
        journal.OffTheCaller(async () =>
        {
            long deleted = 0;
            foreach (var database in Databases)
            {
                deleted += await EraseFromAsync(database, customerId, stateKeys, cancellationToken).ConfigureAwait(false);
            }
            foreach (var database in Databases.Where(d => d.Kind == StoreKind.Sqlite)) await CompactAsync(database, compact, cancellationToken).ConfigureAwait(false);
            return deleted;
        });

    private static async Task<long> EraseFromAsync(StoreDialect database, string customerId, IReadOnlyCollection<string> stateKeys, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        var sqlite = database.Kind == StoreKind.Sqlite;
        if (sqlite) await ExecuteAsync(connection, null, "PRAGMA secure_delete = ON", cancellationToken).ConfigureAwait(false);
        try
        {
            var tables = await TablesWithAsync(connection, sqlite, CustomerColumn, cancellationToken).ConfigureAwait(false);
            var all = await TablesWithAsync(connection, sqlite, null, cancellationToken).ConfigureAwait(false);
            await using var transaction = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            if (all.Contains("engagement_changes")) await database.LockChangeWritersAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            long deleted = 0;
            // The alert change log and keyed outcomes name the alert, not the customer: first, while the alerts still say whose they are.
            if (all.Contains("engagement_alerts"))
            {
                foreach (var table in ((string[])["engagement_alert_changes", "engagement_alert_outcome_requests"]).Where(all.Contains))
                {
                    deleted += await ExecuteAsync(connection, transaction, $"DELETE FROM {table} WHERE alert_id IN ({AlertIdsOf})", cancellationToken,
                        ("customer", customerId)).ConfigureAwait(false);
                }
            }
            foreach (var table in tables)
            {
                deleted += await ExecuteAsync(connection, transaction, $"DELETE FROM \"{table}\" WHERE {CustomerColumn} = @customer", cancellationToken,
                    ("customer", customerId)).ConfigureAwait(false);
            }
            // The identity index's conflicts and merges name the customer in columns of their own (and its contacts in their values).
            foreach (var (table, first, second) in IdentityTables.Where(t => all.Contains(t.Table)))
            {
                deleted += await ExecuteAsync(connection, transaction, $"DELETE FROM {table} WHERE {first} = @customer OR {second} = @customer", cancellationToken,
                    ("customer", customerId)).ConfigureAwait(false);
            }
            if (all.Contains("engagement_checkpoints"))
            {
                foreach (var key in stateKeys)
                {
                    deleted += await ExecuteAsync(connection, transaction, "DELETE FROM engagement_checkpoints WHERE state_key = @key", cancellationToken,
                        ("key", key)).ConfigureAwait(false);
                }
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return deleted;
        }
        finally
        {
            // The connection goes back to the pool: the next user gets SQLite's default.
            if (sqlite) await ExecuteAsync(connection, null, "PRAGMA secure_delete = OFF", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The base tables of the database, or those with a column of that name; from the catalogue.</summary>
    public static async Task<HashSet<string>> TablesWithAsync(DbConnection connection, bool sqlite, string? column, CancellationToken cancellationToken)
    {
        var sql = (sqlite, column) switch
        {
            (true, null) => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            (true, _) => "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = @column",
            (false, null) => "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            (false, _) => """
                SELECT c.table_name FROM information_schema.columns c
                JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
                WHERE c.table_schema = current_schema() AND c.column_name = @column
                """,
        };
        await using var read = SqlCommands.Create(connection, null, sql, column is null ? [] : [("column", column)]);
        var tables = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>
    /// Empties a SQLite file's WAL (which holds earlier images of the pages the rows were on) and, with
    /// <paramref name="vacuum"/>, first rebuilds the file with only its live rows. A checkpoint that truncates the WAL
    /// file waits for readers to leave it, and is tried again while one holds it.
    /// </summary>
    private static async Task CompactAsync(StoreDialect database, bool vacuum, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        if (vacuum)
        {
            await TruncateWalAsync(connection, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, null, "VACUUM", cancellationToken).ConfigureAwait(false);
        }
        await TruncateWalAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    private const int CheckpointAttempts = 100;

    private static async Task TruncateWalAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var checkpoint = SqlCommands.Create(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)");
            await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            // One row: busy (1 when a reader or writer kept it from finishing), frames in the WAL, frames copied.
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetInt32(0) == 0) return;
            if (attempt == CheckpointAttempts) throw new TimeoutException("The WAL could not be truncated: readers held it throughout.");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string, object)[] parameters)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql, parameters);
        command.CommandTimeout = 0;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static readonly (string Table, string First, string Second)[] IdentityTables =
        [("engagement_identity_conflicts", "owner_id", "claimant_id"), ("engagement_identity_merges", "target_id", "source_id")];

    /// <summary>The alert ids of a customer: every alert it ever had keeps its latest state in engagement_alerts.</summary>
    private const string AlertIdsOf = "SELECT alert_id FROM engagement_alerts WHERE customer_id = @customer";

    /// <summary>The alert change log of a customer (every change of each of its alerts), oldest first, as stored JSON.</summary>
    public async Task<IReadOnlyList<string>> AlertChangesAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await grainState.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var read = SqlCommands.Create(connection, null,
            $"SELECT payload FROM engagement_alert_changes WHERE alert_id IN ({AlertIdsOf}) ORDER BY sequence", ("customer", customerId));
        var changes = new List<string>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) changes.Add(reader.GetString(0));
        return changes;
    }
}
