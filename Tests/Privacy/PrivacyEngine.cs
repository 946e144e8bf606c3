using System.Globalization;
using System.Text;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Engagement.Tests.Privacy;

/// <summary>
/// A whole engine on either store that can be stopped and started again on the same data: on SQLite the embedded engine
/// on a temp folder, on PostgreSQL a silo and a cluster gateway on a database of a server the engine starts. It also
/// searches what the engine keeps: every table of every database (from the catalogue) and every file of the data folder.
/// </summary>
public sealed class PrivacyEngine : IAsyncDisposable
{
    private readonly StoreKind _kind;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _settings;
    private readonly string _data = Directory.CreateTempSubdirectory("engagement-privacy-").FullName;
    private PostgresServer? _postgres;
    private string _connectionString = "";
    private readonly string _clusterId = $"privacy-{Guid.NewGuid():N}";
    private IHost? _silo;
    private EngineHost? _gateway;

    private PrivacyEngine(StoreKind kind, IEnumerable<KeyValuePair<string, string>> settings)
    {
        _kind = kind;
        _settings = [.. TestLimits.Configuration(), .. settings];
    }

    public EngineHost Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public EngineClient Client => Gateway.Client;

    /// <summary>The folder of the engine's own files: the SQLite databases and keys, or the cluster gateway's folder.</summary>
    public string DataDirectory => _kind == StoreKind.Sqlite ? _data : Gateway.DataDirectory;

    public static async Task<PrivacyEngine> StartAsync(StoreKind kind, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var engine = new PrivacyEngine(kind, settings);
        if (kind == StoreKind.PostgreSql)
        {
            engine._postgres = await PostgresServer.StartAsync();
            engine._connectionString = await engine._postgres.CreateDatabaseAsync("engagement");
        }
        await engine.StartEngineAsync();
        return engine;
    }

    private async Task StartEngineAsync()
    {
        if (_kind == StoreKind.Sqlite)
        {
            _gateway = await EngineHost.StartEmbeddedAsync(_data, _settings);
            return;
        }
        _silo = SiloHost.Build([.. ClusterSilo.Settings(_connectionString, _clusterId).Concat(_settings).Select(kv => $"--{kv.Key}={kv.Value}")]);
        await _silo.StartAsync();
        _gateway = await EngineHost.StartClusterGatewayAsync(_connectionString, _clusterId, _settings);
    }

    private async Task StopEngineAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        _gateway = null;
        if (_silo is not null)
        {
            await _silo.StopAsync(TimeSpan.FromSeconds(30));
            _silo.Dispose();
            _silo = null;
        }
    }

    /// <summary>Stops the engine (gracefully: it writes what it holds) and starts it again on the same data.</summary>
    public async Task RestartAsync()
    {
        await StopEngineAsync();
        await StartEngineAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopEngineAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        EngineHost.TryDelete(_data);
    }

    /// <summary>Every value of every row of every table (in every database of the store) that holds one of the texts, ignoring case.</summary>
    public async Task<IReadOnlyList<string>> FindInTablesAsync(IReadOnlyCollection<string> texts, CancellationToken cancellationToken)
    {
        var hits = new List<string>();
        var databases = _kind == StoreKind.Sqlite
            ? new[] { "engagement.db", "grains.db" }.Select(f => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_data, f), Pooling = false }.ConnectionString)
            : [_connectionString];
        foreach (var connectionString in databases)
        {
            await using var connection = _kind == StoreKind.Sqlite ? (System.Data.Common.DbConnection)new SqliteConnection(connectionString) : new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            var tables = await ErasureStore.TablesWithAsync(connection, _kind == StoreKind.Sqlite, null, cancellationToken);
            Assert.Contains("engagement_journal", tables);
            foreach (var table in tables)
            {
                await using var select = connection.CreateCommand();
                select.CommandText = $"SELECT * FROM \"{table}\"";
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        var value = reader.IsDBNull(i) ? "" : reader.GetValue(i) switch
                        {
                            byte[] bytes => Encoding.UTF8.GetString(bytes),
                            var other => Convert.ToString(other, CultureInfo.InvariantCulture) ?? "",
                        };
                        foreach (var text in texts.Where(t => value.Contains(t, StringComparison.OrdinalIgnoreCase)))
                        {
                            hits.Add($"{Path.GetFileName(connection.DataSource)} {table}.{reader.GetName(i)} holds '{text}': {value[..Math.Min(value.Length, 300)]}");
                        }
                    }
                }
            }
        }
        return hits;
    }

    /// <summary>Every file under the data folder whose bytes hold one of the texts (as UTF-8, as given and in lower case).</summary>
    public IReadOnlyList<string> FindInFiles(IReadOnlyCollection<string> texts)
    {
        var hits = new List<string>();
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }
            foreach (var text in texts.SelectMany(t => new[] { t, t.ToLowerInvariant(), t.ToUpperInvariant() }).Distinct())
            {
                if (bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0) hits.Add($"{Path.GetRelativePath(DataDirectory, file)} holds '{text}'");
            }
        }
        return hits;
    }
}
