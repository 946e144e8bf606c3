using Engagement.Grains.Hosting;
using Microsoft.Extensions.Hosting;

namespace Engagement.Tests.Infrastructure;

/// <summary>A running engine that a suite of tests talks to over gRPC.</summary>
public interface IEngineFixture
{
    EngineClient Client { get; }
}

/// <summary>Limits small enough that tests can reach them cheaply.</summary>
public static class TestLimits
{
    public const int MaxEventsPerBatch = 50;
    public const int MaxBatchBytes = 64 * 1024;

    public static IEnumerable<KeyValuePair<string, string>> Configuration() =>
    [
        new("Engagement:Ingest:MaxEventsPerBatch", MaxEventsPerBatch.ToString()),
        new("Engagement:Ingest:MaxBatchBytes", MaxBatchBytes.ToString()),
    ];
}

/// <summary>The embedded engine: co-hosted silo, SQLite in a temp folder.</summary>
public sealed class EmbeddedEngineFixture : IEngineFixture, IAsyncLifetime
{
    private EngineHost? _host;

    public EngineHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public EngineClient Client => Host.Client;

    public async ValueTask InitializeAsync() => _host = await EngineHost.StartEmbeddedAsync(settings: TestLimits.Configuration());

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>
/// The cluster profile: a real PostgreSQL started by the fixture, a silo host and a cluster-mode
/// gateway (an Orleans client that finds the silo through the database).
/// </summary>
public sealed class ClusterEngineFixture : IEngineFixture, IAsyncLifetime
{
    private IHost? _silo;
    private EngineHost? _gateway;

    public PostgresServer Postgres { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public EngineClient Client => _gateway?.Client ?? throw new InvalidOperationException("Not started.");

    /// <summary>The cluster-mode gateway (its HTTP API).</summary>
    public EngineHost Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        ConnectionString = await Postgres.CreateDatabaseAsync("engagement");
        var clusterId = $"test-{Guid.NewGuid():N}";
        _silo = SiloHost.Build([.. ClusterSilo.Settings(ConnectionString, clusterId).Select(kv => $"--{kv.Key}={kv.Value}")]);
        await _silo.StartAsync();
        _gateway = await EngineHost.StartClusterGatewayAsync(ConnectionString, clusterId, TestLimits.Configuration());
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_silo is not null)
        {
            await _silo.StopAsync(TimeSpan.FromSeconds(30));
            _silo.Dispose();
        }
        if (Postgres is not null) await Postgres.DisposeAsync();
    }
}

public static class ClusterSilo
{
    /// <summary>The configuration of one silo of a test cluster, on free ports, with fast failure detection.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Settings(string connectionString, string clusterId) =>
    [
        new("Engagement:Mode", "Cluster"),
        new("ConnectionStrings:Engagement", connectionString),
        new("Engagement:ServiceId", "test"),
        new("Engagement:ClusterId", clusterId),
        new("Engagement:Silo:SiloPort", Ports.Free().ToString()),
        new("Engagement:Silo:GatewayPort", Ports.Free().ToString()),
        new("Engagement:Silo:Membership:ProbeTimeout", "00:00:01"),
        new("Engagement:Silo:Membership:NumMissedProbesLimit", "2"),
        new("Engagement:Silo:Membership:NumVotesForDeathDeclaration", "1"),
        new("Engagement:Silo:Membership:TableRefreshTimeout", "00:00:02"),
        new("Logging:LogLevel:Default", "Warning"),
        new("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information"),
        new("Engagement:Alerts:MinExpectedLoss", "0"),
    ];
}
