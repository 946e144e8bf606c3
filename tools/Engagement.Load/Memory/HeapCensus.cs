using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using Engagement.Load.Run;

namespace Engagement.Load.Memory;

/// <summary>
/// The managed heap of a running engine, the way <c>dotnet-gcdump</c> and <c>dotnet-counters</c> see it (neither is
/// on this machine's package mirror): a full blocking collection induced over EventPipe, the heap's size right after
/// it from the runtime's own GC events, then a census of the objects by type read with ClrMD, and what one customer's
/// checkpointed state takes (the objects reachable from its <c>CustomerState</c>). The census reads every object in
/// the heap's segments, so what was allocated between the collection and the attach counts too: run it on an engine
/// without load. The engine is suspended while it is read (seconds at 100k customers, minutes at a million).
/// </summary>
public sealed class HeapCensus(int processId)
{
    private const string CustomerStateType = "Engagement.Grains.Customers.CustomerState";

    /// <summary>Types counted apart: one of each per active customer, per activation, per alert grain.</summary>
    private static readonly string[] Markers =
    [
        "Engagement.Grains.Customers.CustomerGrain",
        "Orleans.Runtime.ActivationData",
        "Engagement.Grains.Alerts.CustomerAlertGrain",
        CustomerStateType,
    ];

    public async Task<HeapReport> RunAsync(int top, int stateSample, TextWriter progress, CancellationToken cancellationToken)
    {
        var rssBefore = ResidentBytes(processId);
        progress.WriteLine($"heap: inducing a full collection in process {processId} (RSS {rssBefore / 1048576.0:N0} MiB)");
        var collection = await InduceCollectionAsync(cancellationToken);
        progress.WriteLine($"heap: {collection.HeapBytes / 1048576.0:N1} MiB live after a gen {collection.Generation} collection of {collection.DurationMilliseconds:N0} ms; reading the objects");

        using var target = DataTarget.AttachToProcess(processId, suspend: true);
        var clr = target.ClrVersions[0];
        // The DAC ships beside the runtime it reads (no symbol server here); ClrMD cannot read that runtime's version
        // from its module on Linux, so the version check is skipped: the file is the one from the same folder.
        using var runtime = clr.CreateRuntime(Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName)!, "libmscordaccore.so"), ignoreMismatch: true);
        var heap = runtime.Heap;
        var byType = new Dictionary<string, TypeTally>(StringComparer.Ordinal);
        var states = new List<ulong>();
        long objects = 0, bytes = 0;
        foreach (var obj in heap.EnumerateObjects())
        {
            if (!obj.IsValid || obj.IsFree || obj.Type is null) continue;
            var name = obj.Type.Name ?? "?";
            var size = (long)obj.Size;
            objects++;
            bytes += size;
            if (!byType.TryGetValue(name, out var tally)) byType[name] = tally = new TypeTally(name);
            tally.Count++;
            tally.Bytes += size;
            if (states.Count < stateSample && name == CustomerStateType) states.Add(obj.Address);
        }

        return new HeapReport(
            ProcessId: processId,
            ResidentBytesBefore: rssBefore,
            ResidentBytesAfter: ResidentBytes(processId),
            Collection: collection,
            ObjectCount: objects,
            ObjectBytes: bytes,
            Markers: Markers.ToDictionary(m => m, m => byType.TryGetValue(m, out var t) ? t.Count : 0),
            StateBytes: StateBytes(heap, states),
            StatesSampled: states.Count,
            TopTypes: [.. byType.Values.OrderByDescending(t => t.Bytes).Take(top)]);
    }

    /// <summary>
    /// A session with the GC-heap-collect keyword makes the runtime run a full blocking collection; its heap
    /// statistics event carries the size of every generation right after it.
    /// </summary>
    private async Task<CollectionFacts> InduceCollectionAsync(CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(processId);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords)], requestRundown: false);
        var result = new TaskCompletionSource<CollectionFacts>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            GCStartTraceData? induced = null;
            source.Clr.GCStart += e =>
            {
                if (e.Depth == 2 && e.Reason is GCReason.Induced or GCReason.InducedNotForced) induced = (GCStartTraceData)e.Clone();
            };
            source.Clr.GCHeapStats += e =>
            {
                if (induced is null) return;
                var heapBytes = e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4;
                result.TrySetResult(new CollectionFacts(induced.Depth, heapBytes, e.GenerationSize2, e.GenerationSize3 + e.GenerationSize4,
                    (e.TimeStampRelativeMSec - induced.TimeStampRelativeMSec)));
                source.StopProcessing();
            };
            source.Process();
            // The stream ended (the process exited, or the session stopped) before the collection was seen.
            result.TrySetException(new InvalidOperationException($"process {processId}: the event stream ended before an induced full collection was reported"));
        }, cancellationToken);
        try
        {
            return await result.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        }
        finally
        {
            session.Stop();
            await reading.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>The objects reachable from each sampled state that no earlier state reached: its own share of the heap.</summary>
    private static double StateBytes(ClrHeap heap, List<ulong> states)
    {
        if (states.Count == 0) return 0;
        var seen = new HashSet<ulong>();
        var pending = new Stack<ulong>();
        long total = 0;
        foreach (var root in states)
        {
            pending.Push(root);
            while (pending.TryPop(out var address))
            {
                if (!seen.Add(address)) continue;
                var obj = heap.GetObject(address);
                if (!obj.IsValid || obj.Type is null) continue;
                total += (long)obj.Size;
                foreach (var reference in obj.EnumerateReferenceAddresses(carefully: true)) pending.Push(reference);
            }
        }
        return (double)total / states.Count;
    }

    private static long ResidentBytes(int pid) =>
        MachineInfo.ReadField($"/proc/{pid}/status", "VmRSS:") is { } rss
            ? long.Parse(rss.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024
            : 0;
}

public sealed class TypeTally(string name)
{
    public string Name => name;

    public long Count { get; set; }

    public long Bytes { get; set; }
}

/// <param name="Generation">The depth of the induced collection (2: the whole heap).</param>
/// <param name="HeapBytes">Every generation's size right after it, large and pinned object heaps included.</param>
/// <param name="DurationMilliseconds">From the collection's start to its heap statistics (the suspension before it is not included).</param>
public sealed record CollectionFacts(int Generation, long HeapBytes, long Gen2Bytes, long LargeAndPinnedBytes, double DurationMilliseconds);

/// <param name="StateBytes">Bytes per customer reachable from its <c>CustomerState</c> (the checkpointed state), over <paramref name="StatesSampled"/> customers.</param>
public sealed record HeapReport(
    int ProcessId,
    long ResidentBytesBefore,
    long ResidentBytesAfter,
    CollectionFacts Collection,
    long ObjectCount,
    long ObjectBytes,
    IReadOnlyDictionary<string, long> Markers,
    double StateBytes,
    int StatesSampled,
    IReadOnlyList<TypeTally> TopTypes);
