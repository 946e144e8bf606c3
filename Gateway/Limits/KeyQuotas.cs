using System.Collections.Concurrent;
using System.Security.Claims;

namespace Engagement.Gateway.Limits;

/// <summary>
/// How many long-lived things (gRPC streams, hub connections) each key holds open on this gateway, so that one key
/// cannot take them all. Counted per surface and key name; a lease gives its slot back when disposed.
/// </summary>
public sealed class KeyQuotas
{
    private readonly ConcurrentDictionary<(string Surface, string Key), int> _held = new();

    /// <summary>The key's name as the authentication handler sets it (never the secret); anonymous callers share one.</summary>
    public static string KeyOf(ClaimsPrincipal? user) => user?.FindFirstValue(ClaimTypes.Name) ?? "anonymous";

    /// <summary>A slot for <paramref name="key"/> on <paramref name="surface"/>, or null when it holds <paramref name="max"/> already.</summary>
    public IDisposable? TryAcquire(string surface, string key, int max)
    {
        var slot = (surface, key);
        while (true)
        {
            var held = _held.GetOrAdd(slot, 0);
            if (held >= max) return null;
            if (_held.TryUpdate(slot, held + 1, held)) return new Lease(this, slot);
        }
    }

    /// <summary>What <paramref name="key"/> holds on <paramref name="surface"/> now.</summary>
    public int Held(string surface, string key) => _held.GetValueOrDefault((surface, key));

    private void Release((string, string) slot)
    {
        while (true)
        {
            var held = _held[slot];
            if (_held.TryUpdate(slot, held - 1, held)) return;
        }
    }

    private sealed class Lease(KeyQuotas quotas, (string, string) slot) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) quotas.Release(slot);
        }
    }
}
