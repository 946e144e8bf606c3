using System.Globalization;

namespace Engagement.Load.Run;

/// <summary>
/// The CPU time of a group of process trees (the engine's, or the store's) over a run's measurement window: one
/// sample as the window opens, one as it closes. A root that is gone at either end, or whose pid now belongs to
/// another process, leaves the figure out with the reason.
/// </summary>
public sealed class CpuMeter
{
    private readonly IReadOnlyList<int> _pids;
    private readonly CpuSample _start;

    private CpuMeter(IReadOnlyList<int> pids)
    {
        _pids = pids;
        _start = ProcessCpu.Sample(pids);
    }

    /// <summary>Opens the window now; null when there is nothing to measure.</summary>
    public static CpuMeter? StartIfAny(IReadOnlyList<int> pids) => pids.Count == 0 ? null : new CpuMeter(pids);

    /// <summary>Closes the window now.</summary>
    public CpuReading Stop()
    {
        var end = ProcessCpu.Sample(_pids);
        foreach (var pid in _pids)
        {
            if (!_start.RootStarts.TryGetValue(pid, out var started)) return new CpuReading(_pids, end.Processes, null, $"pid {pid} was gone when the measurement started");
            if (!end.RootStarts.TryGetValue(pid, out var ended) || ended != started) return new CpuReading(_pids, end.Processes, null, $"pid {pid} exited during the run");
        }
        var ticks = end.Ticks - _start.Ticks;
        // Only when a process in the middle of a tree exits, and its children move to init, out of the tree.
        return ticks < 0
            ? new CpuReading(_pids, end.Processes, null, "a process left the measured tree during the run")
            : new CpuReading(_pids, end.Processes, ticks, null);
    }

    /// <summary>The pids that are not running now, as option problems ("--engine-pid 123: no such process").</summary>
    public static IEnumerable<string> Missing(string option, IEnumerable<int> pids) =>
        pids.Where(pid => pid <= 0 || ProcessCpu.Read(pid) is null)
            .Select(pid => string.Create(CultureInfo.InvariantCulture, $"{option} {pid}: no such process"));
}

/// <summary>The CPU ticks a group of process trees spent in the window, or why there is no figure.</summary>
/// <param name="Processes">How many processes the trees held when the window closed.</param>
public sealed record CpuReading(IReadOnlyList<int> Pids, int Processes, long? Ticks, string? Problem);

/// <summary>
/// A group's CPU over the window, in the report: seconds, cores (seconds per wall second) and microseconds per
/// acknowledged event, the same events and window as the acknowledged events/s figure (so µs per event ×
/// events/s = cores × 10⁶).
/// </summary>
public sealed record CpuReport(IReadOnlyList<int> Pids, int Processes, double? CpuSeconds, double? Cores, double? CpuUsPerAckedEvent, string? Problem)
{
    public static CpuReport Create(CpuReading reading, TimeSpan window, long ackedEvents, long ticksPerSecond)
    {
        if (reading.Ticks is not { } ticks) return new CpuReport(reading.Pids, reading.Processes, null, null, null, reading.Problem);
        var seconds = (double)ticks / ticksPerSecond;
        return new CpuReport(reading.Pids, reading.Processes, seconds,
            window > TimeSpan.Zero ? seconds / window.TotalSeconds : null,
            ackedEvents > 0 ? seconds * 1e6 / ackedEvents : null,
            null);
    }
}
