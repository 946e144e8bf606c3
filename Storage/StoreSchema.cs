using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Engagement.Storage;

/// <summary>The database behind the Orleans ADO.NET providers.</summary>
public enum StoreKind
{
    /// <summary>Embedded mode: a SQLite file through Microsoft.Data.Sqlite.</summary>
    Sqlite,

    /// <summary>Cluster mode: a PostgreSQL database through Npgsql.</summary>
    PostgreSql,
}

/// <summary>
/// Creates and upgrades the tables and the named queries (OrleansQuery) the Orleans ADO.NET
/// providers read, from the scripts embedded under Storage/Sql/&lt;kind&gt;/, in file-name order.
/// Orleans ships no scripts in its packages, so every process applies these at start.
/// </summary>
public static class StoreSchema
{
    private const string ResourcePrefix = "Engagement.Sql.";

    // Any fixed key will do; it only has to be the same in every process that applies the schema.
    private const long PostgreSqlLockKey = 0x456E_6761_6765_5363; // "EngageSc"

    private const string HistoryTable = "EngagementSchemaHistory";

    // Long enough to wait behind another process applying the same schema, short enough to surface a stuck lock.
    private const int ScriptTimeoutSeconds = 300;

    /// <summary>The ADO.NET invariant the Orleans providers need for this store.</summary>
    public static string InvariantOf(StoreKind kind) => kind switch
    {
        // Orleans maps this name to Microsoft.Data.Sqlite's SqliteFactory, not to System.Data.SQLite.
        StoreKind.Sqlite => "System.Data.SQLite",
        StoreKind.PostgreSql => "Npgsql",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
    };

    /// <summary>
    /// Applies every script of <paramref name="kind"/> that this database has not yet seen with the
    /// same content, all in one transaction, and records each one's SHA-256 in EngagementSchemaHistory.
    /// Safe to call from several processes at once and on every start.
    /// </summary>
    /// <remarks>
    /// Because the scripts run inside a transaction they cannot use statements PostgreSQL refuses
    /// there (CREATE INDEX CONCURRENTLY, VACUUM). A changed script runs again as a whole, so every
    /// statement in it must be idempotent. An older build that restarts during a rolling upgrade
    /// re-applies its own version of a changed script: keep query changes compatible across one release.
    /// </remarks>
    public static Task ApplyAsync(StoreKind kind, string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var scripts = LoadScripts(kind);
        return kind switch
        {
            StoreKind.Sqlite => ApplySqliteAsync(scripts, connectionString, cancellationToken),
            StoreKind.PostgreSql => ApplyPostgreSqlAsync(scripts, connectionString, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
        };
    }

    private static async Task ApplyPostgreSqlAsync(IReadOnlyList<SchemaScript> scripts, string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Processes starting together queue here; without it two concurrent CREATE TABLE IF NOT EXISTS
        // can still collide in the catalog. Released by the commit or rollback.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", PostgreSqlLockKey);
            lockCommand.CommandTimeout = ScriptTimeoutSeconds;
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {HistoryTable}
            (
                ScriptName text        NOT NULL PRIMARY KEY,
                Sha256     text        NOT NULL,
                AppliedAt  timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken);

        await ApplyPendingAsync(connection, transaction, scripts, $"""
            INSERT INTO {HistoryTable} (ScriptName, Sha256, AppliedAt) VALUES (@name, @sha256, now())
            ON CONFLICT (ScriptName) DO UPDATE SET Sha256 = EXCLUDED.Sha256, AppliedAt = EXCLUDED.AppliedAt;
            """, cancellationToken);

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ApplySqliteAsync(IReadOnlyList<SchemaScript> scripts, string connectionString, CancellationToken cancellationToken)
    {
        EnsureSqliteFolder(connectionString);

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // WAL lets readers work beside the single writer and makes a commit one sequential append;
        // the mode is stored in the file, so it holds for every later connection. It cannot change
        // inside a transaction, hence before the one below.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);

        // BEGIN IMMEDIATE takes the write lock up front, so processes starting together wait for each
        // other (busy timeout) instead of failing when a read lock cannot be upgraded.
        await using var transaction = connection.BeginTransaction(deferred: false);

        await ExecuteAsync(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {HistoryTable}
            (
                ScriptName TEXT NOT NULL PRIMARY KEY,
                Sha256     TEXT NOT NULL,
                AppliedAt  TEXT NOT NULL
            );
            """, cancellationToken);

        await ApplyPendingAsync(connection, transaction, scripts, $"""
            INSERT INTO {HistoryTable} (ScriptName, Sha256, AppliedAt) VALUES (@name, @sha256, CURRENT_TIMESTAMP)
            ON CONFLICT (ScriptName) DO UPDATE SET Sha256 = excluded.Sha256, AppliedAt = excluded.AppliedAt;
            """, cancellationToken);

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Runs the scripts that are new or changed since they were last recorded. Unchanged scripts are
    /// skipped so a routine restart takes no DDL locks on tables that live silos are writing.
    /// </summary>
    private static async Task ApplyPendingAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<SchemaScript> scripts, string recordSql, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = $"SELECT ScriptName, Sha256 FROM {HistoryTable}";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied[reader.GetString(0)] = reader.GetString(1);
            }
        }

        foreach (var script in scripts)
        {
            if (applied.TryGetValue(script.Name, out var sha256) && sha256 == script.Sha256)
            {
                continue;
            }

            try
            {
                await ExecuteAsync(connection, transaction, script.Text, cancellationToken);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException($"Schema script {script.Name} failed: {ex.Message}", ex);
            }

            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = recordSql;
            AddParameter(record, "name", script.Name);
            AddParameter(record, "sha256", script.Sha256);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = ScriptTimeoutSeconds;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>SQLite creates a missing file but not a missing folder.</summary>
    private static void EnsureSqliteFolder(string connectionString)
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

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
    }

    private static List<SchemaScript> LoadScripts(StoreKind kind)
    {
        var folder = kind switch
        {
            StoreKind.Sqlite => "Sqlite",
            StoreKind.PostgreSql => "PostgreSQL",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
        };

        var assembly = typeof(StoreSchema).Assembly;
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            // RecursiveDir puts either separator into the logical name, depending on the build host.
            var relative = resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) ? resource[ResourcePrefix.Length..].Replace('\\', '/') : null;
            if (relative is null || !relative.StartsWith(folder + "/", StringComparison.Ordinal) || !relative.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded resource {resource} cannot be read.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            using var text = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            scripts.Add(new SchemaScript(relative[(folder.Length + 1)..], text.ReadToEnd(), Convert.ToHexString(SHA256.HashData(bytes))));
        }

        if (scripts.Count == 0)
        {
            throw new InvalidOperationException(
                $"No schema scripts for {kind} are embedded in {assembly.GetName().Name}: expected resources named {ResourcePrefix}{folder}/*.sql.");
        }

        scripts.Sort((left, right) => string.CompareOrdinal(left.Name, right.Name));
        return scripts;
    }

    private sealed record SchemaScript(string Name, string Text, string Sha256);
}
