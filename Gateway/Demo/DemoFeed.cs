using System.Security.Cryptography;
using Engagement.Contracts.Customers;
using Engagement.Contracts.Population;
using Engagement.Feeds;
using Engagement.Feeds.Replay;
using Engagement.Feeds.Simulation;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Engagement.Grains.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Demo;

/// <summary>
/// The console's demo feed, one at a time: a replay of a CDNOW-format file from the demo folder (dates rebased so
/// that its last day is today) or the channel simulator. It goes through this gateway's public gRPC ingest with a
/// channel key of its own, minted at start and known only to this process, exactly as a channel would, so the demo
/// shows the real path. While it runs, and when it ends, it refits the population, so that tiers and RFM cells
/// fill in as the data arrives (a refit of CDNOW's 23,570 customers costs about a second). A refit changes no
/// customer by itself: each is evaluated under the new statistics when it next changes, is read, or its silence
/// comes due, and a replayed customer who bought once in the first weeks would otherwise keep the tier and stage
/// it had before any statistics existed. So after a refit the demo asks every customer it has fed to check
/// itself (as a due silence check does), and after the last one refits again, so the counts show the result.
/// A replay is a backfill (its batches say so): its events raise no alert on the way, and the closing check raises
/// what is true of each customer at the end (a lapsed customer long gone is a win-back matter, not an alert).
/// </summary>
public sealed partial class DemoFeed : IHostedLifecycleService, IDisposable
{
    /// <summary>The keyed <see cref="TimeProvider"/> a feed is paced by: wall time (the system clock unless a test drives it).</summary>
    public const string PaceClockKey = "demo-pace";

    public const double DefaultReplaySpeed = 30;

    /// <summary>
    /// Small batches: once statistics exist, many replayed events change a tier or stage and raise an alert, which
    /// the batch's acknowledgement waits for; the stream's few batches in flight then stay well within the engine's
    /// call timeout.
    /// </summary>
    private const int MaxBatchSize = 100;

    /// <summary>Customer checks in flight at once after a refit: few, so that they do not hold up the feed's own events.</summary>
    private const int CheckParallelism = 8;

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly string _key;
    private readonly IGrainFactory _grains;
    private readonly OwnGrpcEndpoint _endpoint;
    private readonly DemoOptions _options;
    private readonly int _batchSize;
    private readonly TimeProvider _businessClock;
    private readonly TimeProvider _paceClock;
    private readonly ILogger<DemoFeed> _logger;
    private DemoRun? _run;

    public DemoFeed(
        KeyRing keys,
        IGrainFactory grains,
        OwnGrpcEndpoint endpoint,
        IOptions<DemoOptions> options,
        IOptions<IngestOptions> ingest,
        [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
        [FromKeyedServices(PaceClockKey)] TimeProvider paceClock,
        ILogger<DemoFeed> logger)
    {
        _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        keys.Add(_key, new KeyGrant("demo feed", Roles.Channel, ["*"]));
        _grains = grains;
        _endpoint = endpoint;
        _options = options.Value;
        _batchSize = Math.Min(MaxBatchSize, ingest.Value.MaxEventsPerBatch);
        _businessClock = businessClock;
        _paceClock = paceClock;
        _logger = logger;
        DataFolder = Path.GetFullPath(_options.DataFolder);
    }

    /// <summary>The demo folder, resolved against the working directory at start.</summary>
    public string DataFolder { get; }

    /// <summary>The files a replay may name: the <c>.txt</c> files of the demo folder (none when it is missing).</summary>
    public IReadOnlyList<DemoFile> Files()
    {
        var folder = new DirectoryInfo(DataFolder);
        return folder.Exists
            ? [.. folder.EnumerateFiles("*.txt").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new DemoFile(f.Name, f.Length))]
            : [];
    }

    public DemoStatus Status()
    {
        lock (_lock) return _run?.Status() ?? DemoStatus.Idle;
    }

    /// <summary>Replays a file of <see cref="Files"/>, rebased to today, at <paramref name="speed"/> days of data per second.</summary>
    /// <exception cref="DemoFeedBusyException">A feed is running.</exception>
    /// <exception cref="FormatException">The file is not in the CDNOW format.</exception>
    public DemoStatus StartReplay(DemoFile file, double speed)
    {
        ThrowIfRunning();
        var plan = ReplayPlan.Load(Path.Combine(DataFolder, file.Name), new ReplayOptions { RebaseTo = _businessClock.GetUtcNow(), BatchSize = _batchSize });
        return Start(plan, speed);
    }

    /// <summary>Runs the channel simulator for <paramref name="customers"/> customers, live at <paramref name="eventsPerSecond"/>.</summary>
    /// <exception cref="DemoFeedBusyException">A feed is running.</exception>
    public DemoStatus StartSimulation(int customers, double eventsPerSecond) =>
        Start(new ChannelSimulator(new SimulationOptions { Customers = customers, BatchSize = _batchSize }, _businessClock), eventsPerSecond);

    /// <summary>Changes the running feed's speed at once (days of data per second, or events per second).</summary>
    /// <exception cref="DemoFeedNotRunningException">No feed is running.</exception>
    public DemoStatus SetSpeed(double speed)
    {
        lock (_lock)
        {
            if (_run is not { IsRunning: true } run) throw new DemoFeedNotRunningException();
            run.Pace.Speed = speed;
            return run.Status();
        }
    }

    /// <summary>Stops the running feed (what was sent is still acknowledged) and returns how it ended; does nothing without one.</summary>
    public async Task<DemoStatus> StopAsync()
    {
        DemoRun? run;
        lock (_lock) run = _run;
        if (run is null) return DemoStatus.Idle;
        run.RequestStop();
        await run.FeedEnded;
        return run.Status();
    }

    private void ThrowIfRunning()
    {
        lock (_lock)
        {
            if (_run is { IsRunning: true } running) throw new DemoFeedBusyException(running.Status());
        }
    }

    private DemoStatus Start(IFeedSource source, double speed)
    {
        lock (_lock)
        {
            ThrowIfRunning();
            var run = new DemoRun(source, new FeedPace(speed, _paceClock), _paceClock.GetUtcNow());
            _run = run;
            run.Completion = Task.Run(() => RunAsync(run));
            LogStarted(_logger, source.Kind, source.Source, speed);
            return run.Status();
        }
    }

    private async Task RunAsync(DemoRun run)
    {
        using var refitting = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        var refits = RefitEveryIntervalAsync(run, refitting.Token);
        try
        {
            using var channel = GrpcChannel.ForAddress(_endpoint.Address);
            var ingest = new Contracts.V1.Ingest.IngestClient(channel.Intercept(metadata =>
            {
                metadata.Add("authorization", $"Bearer {_key}");
                return metadata;
            }));
            var result = await FeedRunner.RunAsync(ingest, run.Source, run.Pace, run.Progress, run.Stopping);
            run.Closing = true; // before the state leaves "running", so that no reader sees it ended and not closing
            run.End(result);
        }
        catch (Exception ex)
        {
            // Whatever ended it, the run must end (a stop waits for it), and say why.
            run.Closing = true;
            run.Fail(ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message);
            LogFailed(_logger, ex, run.Source.Kind, run.Source.Source);
        }
        var status = run.Status();
        LogEnded(_logger, status.Kind, status.Source, status.State, status.Sent, status.Accepted, status.Duplicates, status.Rejected);

        // The tiers, cells and stages of everything that went in (not when the gateway is shutting down): a
        // closing refit and check of every customer, with the periodic refits going on meanwhile so that the
        // counts fill in during a long check, and a last refit to count its result.
        try
        {
            await RefitAsync();
            await CheckCustomersAsync(run, closing: true, _shutdown.Token);
            await RefitAsync();
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            await refitting.CancelAsync();
            await refits;
            run.Closing = false;
        }
    }

    /// <summary>A refit every interval, each followed by a check of the customers fed so far unless one is still going.</summary>
    private async Task RefitEveryIntervalAsync(DemoRun run, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.RefitInterval, _paceClock);
        var check = Task.CompletedTask;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await RefitAsync();
                if (check.IsCompleted) check = CheckCustomersAsync(run, closing: false, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The feed and its closing check are over.
        }
        await check.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Every customer fed so far evaluated under the statistics in force, as a due silence check would. One check
    /// at a time per run: a periodic one is skipped while another runs; the closing one waits for it, and is the
    /// replay's closing check (<see cref="ICustomerGrain.CheckAfterBackfill"/>): a replay is a backfill, which raises
    /// no alert on the way; its end raises what is true then.
    /// </summary>
    private async Task CheckCustomersAsync(DemoRun run, bool closing, CancellationToken cancellationToken)
    {
        if (!await run.Checking.WaitAsync(closing ? Timeout.Infinite : 0, cancellationToken)) return;
        try
        {
            await Parallel.ForEachAsync(run.Source.Snapshot(), new ParallelOptions { MaxDegreeOfParallelism = CheckParallelism, CancellationToken = cancellationToken },
                async (customer, _) =>
                {
                    var grain = _grains.GetGrain<ICustomerGrain>(customer);
                    await (closing ? grain.CheckAfterBackfill() : grain.CheckSilence());
                });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCheckFailed(_logger, ex);
        }
        finally
        {
            run.Checking.Release();
        }
    }

    private async Task RefitAsync()
    {
        try
        {
            await _grains.GetGrain<IPopulationGrain>(0).Refit(null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A refit that fails leaves the previous statistics in force; the feed goes on.
            LogRefitFailed(_logger, ex);
        }
    }

    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Disposed by the host after it stopped, so no run observes the shutdown token any more.</summary>
    public void Dispose() => _shutdown.Dispose();

    /// <summary>Before anything stops (Kestrel, the silo): a feed on the gateway's own endpoint ends first.</summary>
    async Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken)
    {
        await _shutdown.CancelAsync();
        await StopAsync().WaitAsync(cancellationToken);
        Task? completion;
        lock (_lock) completion = _run?.Completion;
        if (completion is not null) await completion.WaitAsync(cancellationToken);
    }

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo feed started: {Kind} of {Source} at speed {Speed}")]
    private static partial void LogStarted(ILogger logger, string kind, string source, double speed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo feed {Kind} of {Source} {State}: {Sent} sent, {Accepted} accepted, {Duplicates} duplicates, {Rejected} rejected")]
    private static partial void LogEnded(ILogger logger, string? kind, string? source, string state, long sent, long accepted, long duplicates, long rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo feed {Kind} of {Source} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string kind, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo feed: checking the customers after a refit failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo feed: a population refit failed")]
    private static partial void LogRefitFailed(ILogger logger, Exception exception);
}
