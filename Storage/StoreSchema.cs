using System.Data.Common;
using System.Security.Cryptography;
using System.Text;

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

    private const string HistoryTable = "EngagementSchemaHistory";

    // Long enough to wait behind another process applying the same schema, short enough to surface a stuck lock.
    internal const int ScriptTimeoutSeconds = 300;

    /// <summary>The ADO.NET invariant the Orleans providers need for this store.</summary>
    public static string InvariantOf(StoreKind kind) => kind switch
    {
        // Orleans maps this name to Microsoft.Data.Sqlite's SqliteFactory, not to System.Data.SQLite.
        StoreKind.Sqlite => "System.Data.SQLite",
        StoreKind.PostgreSql => "Npgsql",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
    };

    /// <summary>
    /// Applies every script of the store's kind that this database has not yet seen with the
    /// same content, all in one transaction, and records each one's SHA-256 in EngagementSchemaHistory.
    /// Safe to call from several processes at once and on every start.
    /// </summary>
    /// <remarks>
    /// Because the scripts run inside a transaction they cannot use statements PostgreSQL refuses
    /// there (CREATE INDEX CONCURRENTLY, VACUUM). A changed script runs again as a whole, so every
    /// statement in it must be idempotent. An older build that restarts during a rolling upgrade
    /// re-applies its own version of a changed script: keep query changes compatible across one release.
    /// </remarks>
    public static async Task ApplyAsync(StoreKind kind, string connectionString, CancellationToken cancellationToken = default)
    {
        await using var dialect = StoreDialect.Create(kind, connectionString);
        await ApplyAsync(dialect, cancellationToken);
    }

    /// <inheritdoc cref="ApplyAsync(StoreKind, string, CancellationToken)"/>
    public static async Task ApplyAsync(StoreDialect dialect, CancellationToken cancellationToken = default)
    {
        var scripts = LoadScripts(dialect);
        await using var connection = await dialect.OpenSchemaConnectionAsync(cancellationToken);
        await using var transaction = await dialect.BeginSchemaAsync(connection, cancellationToken);
        await ExecuteAsync(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {HistoryTable}
            (
                ScriptName TEXT NOT NULL PRIMARY KEY,
                Sha256     TEXT NOT NULL,
                AppliedAt  {dialect.SchemaInstantType} NOT NULL
            );
            """, cancellationToken);
        await ApplyPendingAsync(dialect, connection, transaction, scripts, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Runs the scripts that are new or changed since they were last recorded. Unchanged scripts are
    /// skipped so a routine restart takes no DDL locks on tables that live silos are writing.
    /// </summary>
    private static async Task ApplyPendingAsync(StoreDialect dialect, DbConnection connection, DbTransaction transaction, IReadOnlyList<SchemaScript> scripts, CancellationToken cancellationToken)
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
                await dialect.ExecuteScriptAsync(connection, transaction, script.Text,
                    (sql, token) => ExecuteAsync(connection, transaction, sql, token), cancellationToken);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException($"Schema script {script.Name} failed: {ex.Message}", ex);
            }

            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = $"""
                INSERT INTO {HistoryTable} (ScriptName, Sha256, AppliedAt) VALUES (@name, @sha256, CURRENT_TIMESTAMP)
                ON CONFLICT (ScriptName) DO UPDATE SET Sha256 = excluded.Sha256, AppliedAt = excluded.AppliedAt;
                """;
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

    private static List<SchemaScript> LoadScripts(StoreDialect dialect)
    {
        var folder = dialect.SchemaFolder;

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
                $"No schema scripts for {dialect.Kind} are embedded in {assembly.GetName().Name}: expected resources named {ResourcePrefix}{folder}/*.sql.");
        }

        scripts.Sort((left, right) => string.CompareOrdinal(left.Name, right.Name));
        return scripts;
    }

    private sealed record SchemaScript(string Name, string Text, string Sha256);
}
