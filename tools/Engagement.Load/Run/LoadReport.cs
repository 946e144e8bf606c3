using Engagement.Load.Push;

namespace Engagement.Load.Run;

/// <summary>The outcome of a run, as printed and as written to the JSON file.</summary>
public sealed record LoadReport(
    string Kind,
    DateTimeOffset StartedAt,
    string Target,
    object Settings,
    double ElapsedSeconds,
    long AckedBatches,
    long AckedEvents,
    double AckedEventsPerSecond,
    double AcceptedEventsPerSecond,
    LatencySummary? AckLatency,
    PushReport? Push,
    CpuReport? EngineCpu,
    CpuReport? StoreCpu,
    CountCheck Check,
    MachineInfo Machine)
{
    public static LoadReport Create(LoadSettings settings, Uri target, DateTimeOffset startedAt, TimeSpan elapsed,
        RunCounters counters, LatencySamples ackLatency, PushTracker? push, string? pushTransport, RunCpu cpu)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        CpuReport? Cpu(CpuReading? reading) => reading is null ? null : CpuReport.Create(reading, elapsed, counters.AckedEvents, ProcessCpu.TicksPerSecond);
        return new LoadReport(
            "ingest-load",
            startedAt,
            target.ToString(),
            new
            {
                settings.Streams,
                settings.Customers,
                Skew = settings.Skew.ToString().ToLowerInvariant(),
                settings.ZipfExponent,
                Rate = settings.Rate is { } rate ? rate.ToString(System.Globalization.CultureInfo.InvariantCulture) : "max",
                DurationSeconds = settings.Duration.TotalSeconds,
                settings.Count,
                settings.BatchSize,
                settings.InFlight,
                Mix = settings.Mix.Text,
                settings.DuplicateRate,
                settings.InvalidRate,
                settings.Watch,
                Push = settings.Push.ToString().ToLowerInvariant(),
                settings.CustomerPrefix,
                settings.Seed,
            },
            elapsed.TotalSeconds,
            counters.AckedBatches,
            counters.AckedEvents,
            counters.AckedEvents / seconds,
            counters.Accepted / seconds,
            ackLatency.Summarise(),
            push is null ? null : new PushReport(pushTransport ?? "?", push.Registered, push.Outstanding, push.Latency.Summarise()),
            Cpu(cpu.Engine),
            Cpu(cpu.Store),
            counters.Check(),
            MachineInfo.Current());
    }
}

/// <summary>The CPU readings of a run's window: the engine's processes and the store's, each when asked for.</summary>
public sealed record RunCpu(CpuReading? Engine, CpuReading? Store);

/// <summary>Event-to-push: how many tracked events, how many never showed on a card, and the latency of those that did.</summary>
public sealed record PushReport(string Transport, long TrackedEvents, long MissingCards, LatencySummary? Latency);
