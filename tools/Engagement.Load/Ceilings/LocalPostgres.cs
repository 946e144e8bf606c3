using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Engagement.Load.Ceilings;

/// <summary>
/// A throw-away PostgreSQL for the cluster profile: the Debian server binaries, a fresh cluster in a temp folder,
/// a free loopback port, fsync on (the default), deleted on dispose. The server refuses to run as root, so as root
/// every step runs as the <c>postgres</c> user through <c>runuser</c>, in a folder that user owns.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly Process _server;

    private LocalPostgres(string bin, string root, int port, Process server)
    {
        _bin = bin;
        Root = root;
        Port = port;
        _server = server;
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>The server's process: the postmaster, or <c>runuser</c> above it as root; the backends are beneath it.</summary>
    public int ProcessId => _server.Id;

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = ServiceUser, Database = database }.ConnectionString;

    public static async Task<LocalPostgres> StartAsync(int port, string database, CancellationToken cancellationToken)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (bin is null) throw new InvalidOperationException("No PostgreSQL server under /usr/lib/postgresql/<version>/bin: apt-get install -y postgresql");

        var root = Directory.CreateTempSubdirectory("engagement-load-pg-").FullName;
        if (Environment.UserName == "root") await RunAsync(Command(null, "chown", "-R", $"{ServiceUser}:{ServiceUser}", root), cancellationToken);
        var data = Path.Combine(root, "data");
        await RunAsync(Command(bin, "initdb", "-D", data, "-U", ServiceUser, "--auth=trust", "-E", "UTF8", "--locale=C"), cancellationToken);

        if (port == 0)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var start = Command(bin, "postgres", "-D", data, "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={root}");
        start.RedirectStandardError = true;
        var server = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start");
        _ = server.StandardError.ReadToEndAsync(CancellationToken.None); // the server's log; drained so it never blocks
        var postgres = new LocalPostgres(bin, root, port, server);
        try
        {
            await postgres.WaitReadyAsync(cancellationToken);
            await using var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var probe = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false, Timeout = 2 }.ConnectionString;
        while (true)
        {
            if (_server.HasExited) throw new InvalidOperationException($"postgres exited with code {_server.ExitCode} on port {Port}");
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken);
                // A server that was already on this port answers too: make sure it is ours.
                await using var where = new NpgsqlCommand("SHOW data_directory", connection);
                if (await where.ExecuteScalarAsync(cancellationToken) is string directory && directory == Path.Combine(Root, "data")) return;
                throw new InvalidOperationException($"port {Port} is taken by another PostgreSQL server; choose another --port or 0");
            }
            catch (NpgsqlException) when (clock.Elapsed < StartTimeout)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await RunAsync(Command(_bin, "pg_ctl", "stop", "-D", Path.Combine(Root, "data"), "-m", "fast", "-w"), timeout.Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                _server.Kill(entireProcessTree: true);
            }
        }
        _server.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>A tool of the server (or a plain command when <paramref name="bin"/> is null), as the service user when we are root.</summary>
    private static ProcessStartInfo Command(string? bin, string tool, params string[] arguments)
    {
        var executable = bin is null ? tool : Path.Combine(bin, tool);
        var asServiceUser = bin is not null && Environment.UserName == "root";
        var start = new ProcessStartInfo(asServiceUser ? "runuser" : executable) { UseShellExecute = false };
        if (asServiceUser) foreach (var prefix in new[] { "-u", ServiceUser, "--", executable }) start.ArgumentList.Add(prefix);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["LC_ALL"] = "C";
        return start;
    }

    private static async Task RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {await errors}{await output}");
        }
    }
}
