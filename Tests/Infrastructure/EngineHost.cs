using Engagement.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// The real gateway host started in this test process, on free ports, with its data in a temp folder
/// (embedded mode) or as a client of a cluster. Same code path as <c>dotnet run --project Gateway</c>.
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsData;
    private int _disposed;

    private EngineHost(WebApplication app, string dataDirectory, bool ownsData, Uri grpc, Uri web)
    {
        _app = app;
        _ownsData = ownsData;
        DataDirectory = dataDirectory;
        GrpcAddress = grpc;
        WebAddress = web;
        Client = new EngineClient(grpc);
    }

    public string DataDirectory { get; }

    public Uri GrpcAddress { get; }

    public Uri WebAddress { get; }

    public EngineClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts an embedded engine (co-hosted silo, SQLite); settings override or add configuration keys.</summary>
    public static Task<EngineHost> StartEmbeddedAsync(
        string? dataDirectory = null, IEnumerable<KeyValuePair<string, string>>? settings = null, Action<IServiceCollection>? services = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("engagement-test-").FullName;
        var config = new Dictionary<string, string>
        {
            ["Engagement:Mode"] = "Embedded",
            ["Engagement:DataDirectory"] = dataDirectory,
            ["Engagement:ServiceId"] = "test",
            ["Engagement:ClusterId"] = $"test-{Guid.NewGuid():N}",
            ["Engagement:Silo:SiloPort"] = Ports.Free().ToString(),
            ["Engagement:Silo:GatewayPort"] = Ports.Free().ToString(),
        };
        return StartAsync(config, dataDirectory, owns, settings, services);
    }

    /// <summary>Starts a cluster-mode gateway (an Orleans client) against the given PostgreSQL database.</summary>
    public static Task<EngineHost> StartClusterGatewayAsync(string connectionString, string clusterId, IEnumerable<KeyValuePair<string, string>>? settings = null)
    {
        var config = new Dictionary<string, string>
        {
            ["Engagement:Mode"] = "Cluster",
            ["ConnectionStrings:Engagement"] = connectionString,
            ["Engagement:ServiceId"] = "test",
            ["Engagement:ClusterId"] = clusterId,
        };
        return StartAsync(config, Directory.CreateTempSubdirectory("engagement-gw-").FullName, true, settings, null);
    }

    private static async Task<EngineHost> StartAsync(
        Dictionary<string, string> config, string dataDirectory, bool ownsData, IEnumerable<KeyValuePair<string, string>>? settings,
        Action<IServiceCollection>? services)
    {
        var grpc = new Uri($"http://127.0.0.1:{Ports.Free()}");
        var web = new Uri($"http://127.0.0.1:{Ports.Free()}");
        config["Kestrel:Endpoints:Grpc:Url"] = grpc.ToString();
        config["Kestrel:Endpoints:Web:Url"] = web.ToString();
        config["Logging:LogLevel:Default"] = "Warning";
        // The tests' customers spend little: every churn warning is work here (the money floor has tests of its own).
        config["Engagement:Alerts:MinExpectedLoss"] = "0";
        foreach (var (key, value) in TestKeys.Configuration()) config[key] = value;
        foreach (var (key, value) in settings ?? []) config[key] = value;

        var app = GatewayHost.Build([.. config.Select(kv => $"--{kv.Key}={kv.Value}")], services);
        await app.StartAsync();
        return new EngineHost(app, dataDirectory, ownsData, grpc, web);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Client.Dispose();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            if (_ownsData) TryDelete(DataDirectory);
        }
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the OS temp cleaner takes it.
        }
    }
}
