using System.Collections.Concurrent;

namespace Engagement.Grains.Hosting;

/// <summary>
/// The live objects an observable instrument reads. Instruments live on a static meter, one per process, while
/// the objects they observe belong to a host: each registers while it runs and the instrument adds them up.
/// A production process holds one engine, so the sum is that engine's; tests run several engines in one process.
/// </summary>
public sealed class GaugeSources<T>
    where T : class
{
    private readonly ConcurrentDictionary<T, byte> _live = new(ReferenceEqualityComparer.Instance);

    public void Add(T source) => _live.TryAdd(source, 0);

    public void Remove(T source) => _live.TryRemove(source, out _);

    public long Sum(Func<T, long> read) => _live.Keys.Sum(read);

    public IEnumerable<T> Live => _live.Keys;
}
