using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// A TCP relay between an engine and PostgreSQL that, once armed, makes one ambiguous commit: on a connection whose
/// transaction inserted into the journal, it forwards the <c>COMMIT</c>, waits for the server's reply (so the server has
/// committed), drops the reply and closes the connection. The engine sees its commit fail although it landed.
/// Everything else is relayed byte for byte.
/// </summary>
public sealed class CommitCuttingProxy : IAsyncDisposable
{
    private static readonly byte[] JournalInsert = Encoding.ASCII.GetBytes("INSERT INTO engagement_journal");
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");
    private static readonly byte[] Rollback = Encoding.ASCII.GetBytes("ROLLBACK\0");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly TaskCompletionSource _cut = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;
    private Task _accepting = Task.CompletedTask;

    private CommitCuttingProxy(int serverPort) => _serverPort = serverPort;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when the armed cut has happened.</summary>
    public Task Cut => _cut.Task;

    public static CommitCuttingProxy Start(int serverPort)
    {
        var proxy = new CommitCuttingProxy(serverPort);
        proxy._listener.Start();
        proxy._accepting = Task.Run(proxy.AcceptAsync);
        return proxy;
    }

    /// <summary>The next journal commit that goes through is cut after the server committed it.</summary>
    public void Arm() => Volatile.Write(ref _armed, 1);

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        lock (_sockets) _sockets.AddRange([client, server]);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _serverPort, _stopping.Token);
            var connection = new Connection();
            await Task.WhenAny(
                PumpToServerAsync(client.GetStream(), server.GetStream(), connection),
                PumpToClientAsync(server.GetStream(), client.GetStream(), connection));
        }
        catch (Exception)
        {
            // A side went away: so does the other.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpToServerAsync(NetworkStream from, NetworkStream to, Connection connection)
    {
        var buffer = new byte[64 * 1024];
        var tail = Array.Empty<byte>();
        int read;
        while ((read = await from.ReadAsync(buffer, _stopping.Token)) > 0)
        {
            // What a message boundary may have split is found in the last bytes of the chunk before.
            var window = tail.Concat(buffer.Take(read)).ToArray();
            tail = window[Math.Max(0, window.Length - 64)..];
            if (Contains(window, JournalInsert)) connection.JournalWritten = true;
            var commits = Contains(window, Commit);
            if ((commits || Contains(window, Rollback)) && connection.JournalWritten)
            {
                connection.JournalWritten = false;
                if (commits && Interlocked.Exchange(ref _armed, 0) == 1) connection.Cutting = true;
            }
            await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
        }
    }

    private async Task PumpToClientAsync(NetworkStream from, NetworkStream to, Connection connection)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stopping.Token)) > 0)
        {
            if (connection.Cutting)
            {
                // The server has answered the COMMIT: it is durable there. The client never hears of it.
                _cut.TrySetResult();
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_sockets)
        {
            foreach (var socket in _sockets) socket.Dispose();
        }
        _stopping.Dispose();
    }

    private sealed class Connection
    {
        public volatile bool JournalWritten;
        public volatile bool Cutting;
    }
}
