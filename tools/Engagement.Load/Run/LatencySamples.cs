using System.Diagnostics;

namespace Engagement.Load.Run;

/// <summary>
/// Latency samples kept exactly (a 30 s run has tens of thousands of batches, well within memory), with
/// percentiles by nearest rank. Beyond <see cref="Capacity"/> samples it keeps a uniform reservoir, so a long
/// run cannot grow without bound. Thread-safe.
/// </summary>
public sealed class LatencySamples(int capacity = 2_000_000)
{
    private readonly Lock _lock = new();
    private readonly List<long> _ticks = [];
    private readonly Random _random = new(17);
    private long _seen;

    public int Capacity { get; } = capacity;

    public long Count
    {
        get
        {
            lock (_lock) return _seen;
        }
    }

    public void Record(long stopwatchTicks)
    {
        lock (_lock)
        {
            _seen++;
            if (_ticks.Count < Capacity) _ticks.Add(stopwatchTicks);
            else if (_random.NextInt64(_seen) is var slot && slot < Capacity) _ticks[(int)slot] = stopwatchTicks;
        }
    }

    /// <summary>Milliseconds at the given quantiles (0..1), or null when there are no samples.</summary>
    public LatencySummary? Summarise()
    {
        long[] sorted;
        lock (_lock) sorted = [.. _ticks];
        if (sorted.Length == 0) return null;
        Array.Sort(sorted);
        double At(double q) => Milliseconds(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)]);
        return new LatencySummary(sorted.Length, At(0.50), At(0.99), At(0.999), Milliseconds(sorted[^1]));
    }

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

public sealed record LatencySummary(long Samples, double P50Ms, double P99Ms, double P999Ms, double MaxMs);
