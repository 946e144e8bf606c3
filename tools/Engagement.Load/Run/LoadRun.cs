using System.Diagnostics;
using Engagement.Contracts.V1;
using Engagement.Load.Push;
using Engagement.Load.Workload;
using Grpc.Net.Client;

namespace Engagement.Load.Run;

/// <summary>
/// One load run: seeds and watches a sample of customers, drives the streams until the duration or the count
/// is reached, waits (bounded) for the last acks and cards, and reports.
/// </summary>
public sealed class LoadRun(LoadSettings settings, EngineEndpoint engine, TextWriter progress)
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PushDrainTimeout = TimeSpan.FromSeconds(5);

    public async Task<LoadReport> ExecuteAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var runId = Guid.NewGuid().ToString("N")[..8];
        var picker = new CustomerPicker(settings.Customers, settings.Skew, settings.ZipfExponent);
        var watched = settings.Watch > 0 ? picker.Spread(settings.Watch) : [];
        var workload = new Workload.Workload(runId, picker, settings.CustomerPrefix, settings.Mix,
            settings.DuplicateRate, settings.InvalidRate, watched.ToHashSet());

        var channels = new List<GrpcChannel>();
        ICardWatcher? watcher = null;
        try
        {
            PushTracker? push = null;
            if (watched.Count > 0)
            {
                push = new PushTracker();
                watcher = OpenWatcher(channels);
                await SeedAsync(workload, watched, cancellationToken);
                await watcher.StartAsync([.. watched.Select(workload.CustomerId)], push.OnCard, SetupTimeout, cancellationToken);
                progress.WriteLine($"watching {watched.Count} customers over {watcher.Transport}");
            }

            var counters = new RunCounters();
            var ackLatency = new LatencySamples();
            var budget = new EventBudget(settings.Count);
            var drivers = new List<IngestStreamDriver>();
            for (var s = 0; s < settings.Streams; s++)
            {
                var (channel, invoker) = engine.OpenIngest();
                channels.Add(channel);
                drivers.Add(new IngestStreamDriver(new Ingest.IngestClient(invoker), new EventFactory(workload, s, settings.Seed + s),
                    settings, budget, counters, ackLatency, push));
            }

            using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stopSending.CancelAfter(settings.Duration);
            abort.CancelAfter(settings.Duration + settings.DrainTimeout);

            // The CPU samples sit right at the edges of the window the events/s figure is measured over.
            var engineCpu = CpuMeter.StartIfAny(settings.EnginePids);
            var storeCpu = CpuMeter.StartIfAny(settings.StorePids);
            var clock = Stopwatch.StartNew();
            using var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var reporter = ReportProgressAsync(counters, push, clock, reporting.Token);
            await Task.WhenAll(drivers.Select(d => Task.Run(() => d.RunAsync(stopSending.Token, abort.Token), CancellationToken.None)));
            var elapsed = clock.Elapsed;
            var cpu = new RunCpu(engineCpu?.Stop(), storeCpu?.Stop());
            if (push is not null) await push.DrainAsync(PushDrainTimeout, cancellationToken);
            await reporting.CancelAsync();
            await reporter.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            return LoadReport.Create(settings, engine.Target, startedAt, elapsed, counters, ackLatency, push, watcher?.Transport, cpu);
        }
        finally
        {
            if (watcher is not null) await watcher.DisposeAsync();
            foreach (var channel in channels) channel.Dispose();
        }
    }

    private ICardWatcher OpenWatcher(List<GrpcChannel> channels)
    {
        if (settings.Push == PushTransport.SignalR) return new SignalRCardWatcher(new Uri(settings.Web, "/hubs/agent"), engine.RequireAgentKey());
        var (agentChannel, agentInvoker) = engine.OpenAgent();
        channels.Add(agentChannel);
        return new GrpcCardWatcher(agentInvoker);
    }

    /// <summary>
    /// A watch of a customer the engine has never seen sends nothing until the first event, so the tool could
    /// not tell when it is live. One visit each first makes every watched customer exist.
    /// </summary>
    private async Task SeedAsync(Workload.Workload workload, IReadOnlyList<int> watched, CancellationToken cancellationToken)
    {
        var (channel, invoker) = engine.OpenIngest();
        using (channel)
        {
            var client = new Ingest.IngestClient(invoker);
            foreach (var chunk in watched.Chunk(settings.BatchSize))
            {
                var batch = new EventFactory(workload, -1, settings.Seed).Seed(chunk.Select(workload.CustomerId), DateTimeOffset.UtcNow);
                // Bounded like everything else: a stalled engine fails the run instead of hanging it.
                var ack = await client.SubmitAsync(batch, deadline: DateTime.UtcNow + SetupTimeout, cancellationToken: cancellationToken);
                if (ack.Accepted + ack.Duplicates != batch.Events.Count)
                {
                    throw new InvalidOperationException($"seeding the watched customers: {ack.Rejected.Count} of {batch.Events.Count} events rejected ({ack.Rejected.FirstOrDefault()?.Reason})");
                }
            }
        }
    }

    private async Task ReportProgressAsync(RunCounters counters, PushTracker? push, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long lastAcked = 0;
        var lastAt = TimeSpan.Zero;
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var acked = counters.AckedEvents;
            var now = clock.Elapsed;
            var rate = (acked - lastAcked) / (now - lastAt).TotalSeconds;
            (lastAcked, lastAt) = (acked, now);
            var pushed = push is null ? "" : $"  push samples {push.Latency.Count:N0}";
            progress.WriteLine(
                $"[{now.TotalSeconds,5:0}s] acked {acked,12:N0} events {rate,10:N0}/s  accepted {counters.Accepted:N0}  dup {counters.Duplicates:N0}  rej {counters.Rejected:N0}  in flight {counters.InFlightBatches} batches{pushed}{(counters.ErrorCount > 0 ? $"  errors {counters.ErrorCount}" : "")}");
        }
    }
}
