using System.Diagnostics;
using System.Net.Sockets;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// A real <c>nats-server</c> (Debian's package) with JetStream, on a free port, its store in a temp folder; stopped and
/// removed on dispose.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _storeDirectory;

    private NatsServer(Process process, string storeDirectory, int port)
    {
        _process = process;
        _storeDirectory = storeDirectory;
        Url = $"nats://127.0.0.1:{port}";
        Port = port;
    }

    public string Url { get; }

    public int Port { get; }

    public static async Task<NatsServer> StartAsync()
    {
        var port = Ports.Free();
        var store = Directory.CreateTempSubdirectory("engagement-nats-").FullName;
        var start = new ProcessStartInfo("nats-server")
        {
            ArgumentList = { "-js", "-a", "127.0.0.1", "-p", port.ToString(), "-sd", store },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start nats-server.");
        // Its log goes to stderr; drained so that a full pipe never stalls it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NatsServer(process, store, port);
        await Wait.UntilAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"nats-server exited with code {process.ExitCode}.");
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            return true;
        }, TimeSpan.FromSeconds(30), "nats-server accepting connections");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        EngineHost.TryDelete(_storeDirectory);
    }
}
