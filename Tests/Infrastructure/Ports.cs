using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// Ports for hosts that need a fixed one (silos, Kestrel endpoints, processes started with a port). A port the OS
/// picks for "port 0" lies in its ephemeral range, which every outgoing connection (gRPC, PostgreSQL, HTTP clients of
/// the parallel tests) also draws from: between the check and the host's bind, a client could take it, and a test
/// failed with "Address already in use". So ports come from below the ephemeral range, where the OS hands out none
/// by itself; each is handed out once per test run and checked free before it is.
/// </summary>
public static class Ports
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    private static readonly (int First, int Count) Range = ChooseRange();
    private static int _next = Random.Shared.Next(Range.Count);

    /// <summary>A loopback port that is free now and that no other caller of this run has been given.</summary>
    public static int Free()
    {
        lock (Gate)
        {
            for (var tried = 0; tried < Range.Count; tried++)
            {
                var port = Range.First + (_next++ % Range.Count);
                if (Given.Add(port) && CanBind(port)) return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port from {Range.First} to {Range.First + Range.Count - 1}.");
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>From 10000 up to the start of the ephemeral range (Linux: ip_local_port_range, usually 32768).</summary>
    private static (int First, int Count) ChooseRange()
    {
        var ephemeralStart = 32768;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            ephemeralStart = int.Parse(text[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or not readable: keep the usual start.
        }

        const int first = 10000;
        return ephemeralStart > first + 1000 ? (first, ephemeralStart - first) : (40000, 20000);
    }
}
