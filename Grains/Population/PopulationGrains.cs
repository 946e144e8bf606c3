using System.Diagnostics;
using Engagement.Contracts.Population;
using Engagement.Grains.Customers;
using Engagement.Grains.Hosting;
using Engagement.Grains.Rules;
using Engagement.Storage;
using Engagement.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Population;

/// <summary>
/// The coordinator of the population statistics. A refit asks every shard for a bounded sample of its
/// customers, merges them, fits the models and computes the cut points, and keeps the result (versioned,
/// with its as-of time) in grain storage. Refits run on a reminder and on demand.
/// </summary>
public sealed partial class PopulationGrain(
    [PersistentState("population", StorageNames.Customers)] IPersistentState<PopulationState> state,
    RulesMonitor rules,
    PopulationCache cache,
    IOptions<EngagementOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    ILogger<PopulationGrain> logger) : Grain, IPopulationGrain, IPopulationStatisticsGrain, IRemindable
{
    private const string RefitReminder = "refit";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.Population.RefitInterval;
        if (interval > TimeSpan.Zero) await this.RegisterOrUpdateReminder(RefitReminder, interval, interval, cancellationToken);
    }

    public async Task<PopulationSnapshot> Refit(DateTimeOffset? asOf) => (await MeasuredRefitAsync(asOf)).ToSnapshot();

    public Task<PopulationSnapshot> Current() => Task.FromResult(Held.ToSnapshot());

    public Task<PopulationStatistics> Statistics() => Task.FromResult(Held);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RefitReminder) await MeasuredRefitAsync(null);
    }

    private PopulationStatistics Held => state.State.Statistics ?? PopulationStatistics.Empty;

    /// <summary>A refit with its duration and result recorded.</summary>
    private async Task<PopulationStatistics> MeasuredRefitAsync(DateTimeOffset? asOf)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var statistics = await RefitAsync(asOf);
            PopulationMetrics.RecordRefit(Stopwatch.GetElapsedTime(started),
                statistics.BgNbdFit is { Converged: true } ? PopulationMetrics.Fitted : PopulationMetrics.NotFitted);
            return statistics;
        }
        catch
        {
            PopulationMetrics.RecordRefit(Stopwatch.GetElapsedTime(started), PopulationMetrics.Failed);
            throw;
        }
    }

    private async Task<PopulationStatistics> RefitAsync(DateTimeOffset? asOf)
    {
        var at = asOf ?? businessClock.GetUtcNow();
        var shards = options.Value.Population.Shards;
        var samples = await Task.WhenAll(Enumerable.Range(0, shards)
            .Select(k => GrainFactory.GetGrain<IPopulationShardGrain>(k).Sample(at, shards)));
        var merged = samples.Aggregate(PopulationSample.Merge);
        var previous = state.State.Statistics;
        var statistics = PopulationStatistics.Build(merged, at, (previous?.Version ?? 0) + 1, rules.Current, previous);
        state.State.Statistics = statistics;
        await state.WriteStateAsync();
        cache.Offer(statistics);
        LogRefitted(logger, statistics.Version, at, statistics.Customers, statistics.Purchasers, statistics.BgNbdFit?.Status ?? "no fit");
        if (options.Value.Sweep.Enabled) await StartSweepAsync();
        return statistics;
    }

    /// <summary>The refit stands whether or not the sweep starts: traits then move with each customer's next event or check.</summary>
    private async Task StartSweepAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IPopulationSweepGrain>(0).Start(new SweepRequest(SweepCandidates.RefitReason));
        }
        catch (Exception ex)
        {
            LogSweepNotStarted(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Starting the population sweep after a refit failed")]
    private static partial void LogSweepNotStarted(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Population statistics version {Version} as of {AsOf}: {Customers} customers, {Purchasers} with purchases; BG/NBD: {FitStatus}")]
    private static partial void LogRefitted(ILogger logger, long version, DateTimeOffset asOf, long customers, long purchasers, string fitStatus);
}

public sealed class PopulationState
{
    public PopulationStatistics? Statistics { get; set; }
}

/// <summary>One slice of the population, a contiguous range of digest buckets; holds nothing between refits.</summary>
public sealed class PopulationShardGrain(IPopulationStore store, RulesMonitor rules) : Grain, IPopulationShardGrain
{
    public async Task<PopulationSample> Sample(DateTimeOffset asOf, int shards)
    {
        var digests = await ReadAsync(shards);
        var current = rules.Current;
        var day = current.GetCalendar().DayOf(asOf);
        var sample = new PopulationSample { Capacity = current.Population.SampleCapacity };
        foreach (var digest in digests)
        {
            sample.Add(digest.ToMember(day), PopulationLabels.Of(digest));
        }
        return sample;
    }

    public async Task<IReadOnlyList<FlowCell>> Cells(int shards) =>
    [
        .. (await ReadAsync(shards)).GroupBy(d => (d.Stage, d.Tier)).Select(g => new FlowCell(g.Key.Stage, g.Key.Tier, g.LongCount())),
    ];

    private async Task<IReadOnlyList<CustomerDigest>> ReadAsync(int shards)
    {
        var shard = (int)this.GetPrimaryKeyLong();
        // Digests trail the journal by one group commit; take in what this silo has queued so far.
        await store.FlushAsync();
        return await store.ReadDigestsAsync(shard * CustomerDigest.Buckets / shards, (shard + 1) * CustomerDigest.Buckets / shards);
    }
}

/// <summary>The labels a population counts customers by: stage, tier, the stage × tier grid, and segment membership.</summary>
public static class PopulationLabels
{
    public static IEnumerable<string> Of(CustomerDigest digest) =>
    [
        $"stage:{digest.Stage}", $"tier:{digest.Tier}", $"stage×tier:{digest.Stage}×{digest.Tier}",
        .. digest.SegmentNames.Select(segment => $"segment:{segment}"),
    ];
}
