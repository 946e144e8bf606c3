using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL server for tests, started from the Debian binaries in a private temp
/// folder on a free loopback port. Several test processes can each run their own at once.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private const string BinariesRoot = "/usr/lib/postgresql";
    private const string FolderPrefix = "engagement-pg-";
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private Process _postmaster;
    private readonly string _binDirectory;
    private readonly bool _runAsServiceUser;
    private int _disposed;

    private PostgresServer(Process postmaster, string rootDirectory, string binDirectory, bool runAsServiceUser, int port, string version)
    {
        _postmaster = postmaster;
        RootDirectory = rootDirectory;
        _binDirectory = binDirectory;
        _runAsServiceUser = runAsServiceUser;
        Port = port;
        Version = version;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The major version of the binaries in use, e.g. "15".</summary>
    public string Version { get; }

    /// <summary>The temp folder holding the cluster, its socket and its log; deleted on dispose.</summary>
    public string RootDirectory { get; }

    private string DataDirectory => Path.Combine(RootDirectory, "data");

    private string LogFile => Path.Combine(RootDirectory, "postgres.log");

    /// <summary>Connection string for a database of this server (superuser, trust authentication).</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = Port,
        Username = ServiceUser,
        Database = database,
        IncludeErrorDetail = true,
    }.ConnectionString;

    /// <summary>
    /// Initialises a fresh cluster and starts it; returns once a real connection succeeds.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var (binDirectory, version) = FindBinaries();
        var runAsServiceUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

        RemoveAbandonedServers(binDirectory, runAsServiceUser);

        var root = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            // Lets a later run recognise this folder as abandoned if this process dies without disposing.
            // Written aside and renamed, so a concurrent cleanup never reads a half-written file.
            var ownerDraft = Path.Combine(root, "owner.pid.tmp");
            await File.WriteAllTextAsync(ownerDraft, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
            File.Move(ownerDraft, Path.Combine(root, "owner.pid"));
            if (runAsServiceUser)
            {
                // The server refuses to run as root, so the folder must belong to the user that runs it.
                await RunToolAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", root], cancellationToken);
            }

            // --no-sync only skips flushing the freshly created template files; the running server keeps fsync on.
            await RunAsync(binDirectory, runAsServiceUser, "initdb",
                ["-D", Path.Combine(root, "data"), "-U", ServiceUser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                cancellationToken);

            // A port picked by binding 0 can be taken by another process before the server binds it: retry on a new one.
            Exception? lastFailure = null;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var port = FreeLoopbackPort();
                var postmaster = StartPostmaster(binDirectory, runAsServiceUser, root, port);
                var server = new PostgresServer(postmaster, root, binDirectory, runAsServiceUser, port, version);
                try
                {
                    await server.WaitUntilReadyAsync(cancellationToken);
                    return server;
                }
                catch (PostmasterExitedException ex)
                {
                    lastFailure = ex;
                    postmaster.Dispose();
                }
                catch
                {
                    await server.StopAsync();
                    throw;
                }
            }

            throw new InvalidOperationException("PostgreSQL did not start after 5 attempts.", lastFailure);
        }
        catch
        {
            TryDeleteDirectory(root);
            throw;
        }
    }

    /// <summary>Stops the server as an outage would (fast: open transactions roll back, clients are cut off); its data stays.</summary>
    public Task StopServerAsync() => StopAsync();

    /// <summary>Starts the stopped server again on the same port and data; returns once it accepts connections.</summary>
    public async Task StartServerAgainAsync(CancellationToken cancellationToken = default)
    {
        _postmaster = StartPostmaster(_binDirectory, _runAsServiceUser, RootDirectory, Port);
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>Creates an empty database and returns the connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"Database name '{name}' must be 1-63 letters, digits or underscores, starting with a letter or underscore.", nameof(name));
        }

        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync();
        TryDeleteDirectory(RootDirectory);
    }

    private async Task StopAsync()
    {
        try
        {
            if (!_postmaster.HasExited)
            {
                // Fast mode rolls back open transactions and disconnects clients instead of waiting for them.
                using var timeout = new CancellationTokenSource(StopTimeout);
                await RunAsync(_binDirectory, _runAsServiceUser, "pg_ctl",
                    ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
                    timeout.Token);
                await _postmaster.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // pg_ctl failed or timed out (or the server was already gone); the kill below still ends it.
        }
        finally
        {
            if (!_postmaster.HasExited)
            {
                _postmaster.Kill(entireProcessTree: true);
            }

            _postmaster.Dispose();
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString())
        {
            Pooling = false,
            Timeout = 2,
        };
        Exception? lastError = null;
        while (deadline.Elapsed < StartTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_postmaster.HasExited)
            {
                throw new PostmasterExitedException($"PostgreSQL exited with code {_postmaster.ExitCode} while starting on port {Port}:{Environment.NewLine}{ReadLogTail()}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteScalarAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or SocketException)
            {
                lastError = ex;
            }

            // Wait for the server to exit or for the next poll, whichever comes first.
            using var pause = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            pause.CancelAfter(TimeSpan.FromMilliseconds(100));
            try
            {
                await _postmaster.WaitForExitAsync(pause.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        throw new TimeoutException($"PostgreSQL did not accept connections on port {Port} within {StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{ReadLogTail()}", lastError);
    }

    private string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join(Environment.NewLine, lines.TakeLast(20));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
    }

    private static Process StartPostmaster(string binDirectory, bool runAsServiceUser, string root, int port)
    {
        var arguments = new List<string>
        {
            "-D", Path.Combine(root, "data"),
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            // The unix socket stays inside the private folder so parallel servers never collide on /var/run.
            "-c", $"unix_socket_directories={root}",
            // The server's default max_connections (100): the engine's connection budget must fit under it.
            "-c", "logging_collector=off",
        };
        var start = CreateStartInfo(binDirectory, runAsServiceUser, "postgres", arguments);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var process = new Process { StartInfo = start };
        var logPath = Path.Combine(root, "postgres.log");
        var gate = new Lock();
        void Append(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            // The server logs to stderr (no logging collector); keep it for the error messages of failed starts.
            lock (gate)
            {
                try
                {
                    File.AppendAllLines(logPath, [e.Data]);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The folder is gone once the server is disposed; a lost log line must not crash the test host.
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task RunAsync(string binDirectory, bool runAsServiceUser, string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = CreateStartInfo(binDirectory, runAsServiceUser, tool, arguments);
        await RunAsync(start, cancellationToken);
    }

    private static Task RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return RunAsync(start, cancellationToken);
    }

    private static async Task RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{start.FileName} {string.Join(' ', start.ArgumentList)}' exited with code {process.ExitCode}:{Environment.NewLine}{await error}{await output}");
        }
    }

    private static ProcessStartInfo CreateStartInfo(string binDirectory, bool runAsServiceUser, string tool, IReadOnlyList<string> arguments)
    {
        var executable = Path.Combine(binDirectory, tool);
        ProcessStartInfo start;
        if (runAsServiceUser)
        {
            start = new ProcessStartInfo("runuser");
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(ServiceUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(executable);
        }
        else
        {
            start = new ProcessStartInfo(executable);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.UseShellExecute = false;
        // initdb derives the cluster's locale from the environment; C keeps it identical on every machine.
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANG"] = "C";
        return start;
    }

    private static (string BinDirectory, string Version) FindBinaries()
    {
        var candidates = Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot)
                .Select(directory => (Directory: directory, Name: Path.GetFileName(directory)))
                .Where(entry => decimal.TryParse(entry.Name, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
                .Where(entry => File.Exists(Path.Combine(entry.Directory, "bin", "initdb")) && File.Exists(Path.Combine(entry.Directory, "bin", "postgres")))
                .OrderByDescending(entry => decimal.Parse(entry.Name, NumberStyles.Number, CultureInfo.InvariantCulture))
                .ToList()
            : [];

        if (candidates.Count == 0)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL server binaries found under {BinariesRoot}/<version>/bin: install the Debian package postgresql (apt-get install -y postgresql).");
        }

        return (Path.Combine(candidates[0].Directory, "bin"), candidates[0].Name);
    }

    private static int FreeLoopbackPort() => Ports.Free();

    /// <summary>
    /// A test process killed before disposing leaves its server running; stop those whose owner is gone.
    /// </summary>
    private static void RemoveAbandonedServers(string binDirectory, bool runAsServiceUser)
    {
        string[] folders;
        try
        {
            folders = Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*");
        }
        catch (IOException)
        {
            return;
        }

        foreach (var folder in folders)
        {
            try
            {
                var ownerFile = Path.Combine(folder, "owner.pid");
                if (!File.Exists(ownerFile) || OwnerIsAlive(File.ReadAllText(ownerFile)))
                {
                    continue;
                }

                var data = Path.Combine(folder, "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")))
                {
                    var stop = CreateStartInfo(binDirectory, runAsServiceUser, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "10"]);
                    stop.RedirectStandardOutput = true;
                    stop.RedirectStandardError = true;
                    using var process = Process.Start(stop);
                    process?.WaitForExit(TimeSpan.FromSeconds(15));
                }

                TryDeleteDirectory(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Another process may be cleaning the same folder; leftovers are harmless.
            }
        }
    }

    private static bool OwnerIsAlive(string pidText)
    {
        if (!int.TryParse(pidText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            // Not ours to judge: leave a folder we cannot attribute.
            return true;
        }

        try
        {
            using var owner = Process.GetProcessById(pid);
            return !owner.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder must not fail the test that used the server.
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();

    private sealed class PostmasterExitedException(string message) : Exception(message);
}
