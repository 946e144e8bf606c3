using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Engagement.Contracts.Population;
using Engagement.Grains.Customers;
using Engagement.Grains.Hosting;
using Engagement.Grains.Rules;
using Engagement.Model;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Population;

/// <summary>
/// The population sweep (key 0): reads the digests one bucket at a time, computes the value traits each digest's
/// purchase figures give under the statistics and rules in force (<see cref="SweepCandidates"/>), and wakes only the
/// customers whose stored tier or RFM group differs; their re-evaluation writes the digest, and the change feed emits
/// the change as for any other. Its position (the next bucket) is stored after each bucket, so a sweep resumes after a
/// restart (a reminder brings the grain back); a newer start replaces the sweep under way.
/// </summary>
public sealed partial class PopulationSweepGrain(
    [PersistentState("sweep", StorageNames.Customers)] IPersistentState<SweepState> state,
    IPopulationStore store,
    RulesMonitor rules,
    PopulationCache cache,
    IOptions<EngagementOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    TimeProvider machineClock,
    IHostApplicationLifetime lifetime,
    ILogger<PopulationSweepGrain> logger) : Grain, IPopulationSweepGrain, IRemindable
{
    private const string ResumeReminder = "sweep";
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);
    private Task _saved = Task.CompletedTask;
    private IGrainTimer? _run;
    // The generation the loop now running works on; -1 when none runs.
    private long _running = -1;

    private SweepState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Running) Schedule();
        return Task.CompletedTask;
    }

    public async Task<SweepProgress> Start(SweepRequest request)
    {
        var fingerprint = request.RulesFingerprint ?? SweepCandidates.Fingerprint(rules.Current);
        // Every silo reports the same reload of the rules file; the first one starts the sweep.
        if (request.Reason is SweepCandidates.RulesReason or SweepCandidates.SegmentsReason && fingerprint == S.RulesFingerprint) return ProgressOf(S);
        var now = machineClock.GetUtcNow();
        state.State = new SweepState
        {
            Generation = S.Generation + 1,
            Reason = request.Reason,
            RulesFingerprint = fingerprint,
            // A restart does not drop a wake of everyone that the replaced sweep had not finished.
            WakeAll = request.SegmentsChanged || request.RiskRulesChanged || (S.Running && S.WakeAll),
            // Revisions only rise: every woken customer's silo loads the stored segments at least this new first.
            SegmentsRevision = Math.Max(request.SegmentsRevision, S.SegmentsRevision),
            Running = true,
            StartedAt = now,
        };
        await SaveAsync();
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        LogStarted(logger, S.Generation, request.Reason, S.WakeAll);
        if (_running < 0) Schedule();
        return ProgressOf(S);
    }

    public Task<SweepProgress> Progress() => Task.FromResult(ProgressOf(S));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ResumeReminder) return;
        if (!S.Running)
        {
            await StopReminderAsync();
            return;
        }
        if (_running < 0) Schedule();
    }

    private void Schedule()
    {
        _run?.Dispose();
        // Interleaved, so that progress reads and a newer start are answered while a bucket's wakes are awaited.
        _run = this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var generation = S.Generation;
        if (_running >= 0 || !S.Running) return;
        _running = generation;
        try
        {
            await SweepAsync(generation, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Left running: the reminder resumes it from the last stored bucket within a minute.
            LogFailed(logger, ex, generation, S.NextBucket);
        }
        finally
        {
            _running = -1;
            if (S.Running && S.Generation != generation) Schedule();
        }
    }

    private async Task SweepAsync(long generation, CancellationToken cancellationToken)
    {
        var settings = options.Value.Sweep;
        await rules.EnsureSegmentsAsync(S.SegmentsRevision, cancellationToken);
        var statistics = await GrainFactory.GetGrain<IPopulationStatisticsGrain>(0).Statistics();
        cache.Offer(statistics);
        S.StatisticsVersion = statistics.Version;
        if (S.Total == 0) S.Total = statistics.Customers;
        var clock = Stopwatch.StartNew();
        long examined = 0, woken = 0;
        var savedAt = TimeSpan.Zero;
        while (S.Running && S.Generation == generation && S.NextBucket < CustomerDigest.Buckets)
        {
            var digests = await store.ReadSweepDigestsAsync(S.NextBucket, cancellationToken);
            var current = rules.Current;
            var day = current.GetCalendar().DayOf(businessClock.GetUtcNow());
            var wakeAll = S.WakeAll;
            var stale = digests.Where(d => wakeAll || SweepCandidates.IsStale(d, day, statistics, current)).Select(d => d.CustomerId).ToList();
            long done = 0, failed = 0;
            foreach (var chunk in stale.Chunk(settings.Concurrency))
            {
                if (S.Generation != generation) return;
                var results = await Task.WhenAll(chunk.Select(id => WakeAsync(id, statistics.Version, S.SegmentsRevision)));
                // Wakes fail while the silo stops: the bucket is not passed, so that the resumed sweep wakes them again.
                if (Stopping(cancellationToken)) return;
                done += results.Count(ok => ok);
                failed += results.Count(ok => !ok);
                woken += chunk.Length;
                await PaceAsync(clock, woken, settings.MaxWakesPerSecond, cancellationToken);
            }
            // The woken customers' digests are queued with the journal of their silos; written before the position moves.
            if (stale.Count > 0) await store.FlushAsync(cancellationToken);
            if (S.Generation != generation || Stopping(cancellationToken)) return;
            S.Examined += digests.Count;
            S.Changed += stale.Count;
            S.Woken += done;
            S.Failed += failed;
            S.NextBucket++;
            PopulationMetrics.RecordSweep(digests.Count, stale.Count, done, failed);
            if (S.NextBucket == CustomerDigest.Buckets)
            {
                S.Running = false;
                S.FinishedAt = machineClock.GetUtcNow();
                S.Total = S.Examined;
            }
            // The position is stored at most once a second (and at the end): a restart repeats at most that second's
            // buckets, whose wakes find nothing left to change; a write per bucket would cost more than a small bucket.
            if (!S.Running || clock.Elapsed - savedAt >= SaveInterval)
            {
                await SaveAsync();
                savedAt = clock.Elapsed;
            }
            examined += digests.Count;
            await PaceAsync(clock, examined, settings.MaxCustomersPerSecond, cancellationToken);
        }
        if (!S.Running && S.Generation == generation)
        {
            PopulationMetrics.RecordSweepDuration(S.FinishedAt!.Value - S.StartedAt!.Value);
            LogFinished(logger, generation, S.Examined, S.Changed, S.Woken, S.Failed);
            await StopReminderAsync();
        }
    }

    private bool Stopping(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested;

    private async Task<bool> WakeAsync(string customerId, long statisticsVersion, long segmentsRevision)
    {
        try
        {
            await GrainFactory.GetGrain<ICustomerSweepTarget>(customerId).Refresh(statisticsVersion, segmentsRevision);
            return true;
        }
        catch (Exception ex)
        {
            LogWakeFailed(logger, ex, customerId);
            return false;
        }
    }

    /// <summary>Waits until <paramref name="count"/> items at <paramref name="perSecond"/> are due since the clock started.</summary>
    private Task PaceAsync(Stopwatch clock, long count, int perSecond, CancellationToken cancellationToken)
    {
        var ahead = TimeSpan.FromSeconds((double)count / perSecond) - clock.Elapsed;
        return ahead > TimeSpan.Zero ? Task.Delay(ahead, machineClock, cancellationToken) : Task.CompletedTask;
    }

    /// <summary>One write at a time (a start may interleave with the loop's write of its position): each waits for the one before.</summary>
    private Task SaveAsync() => _saved = SaveAfterAsync(_saved);

    private async Task SaveAfterAsync(Task before)
    {
        try
        {
            await before;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The earlier write's caller saw its failure; this write stores the newer state anyway.
        }
        await state.WriteStateAsync();
    }

    private async Task StopReminderAsync()
    {
        if (await this.GetReminder(ResumeReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private static SweepProgress ProgressOf(SweepState s) => new(
        s.Running ? "running" : s.FinishedAt is null ? "idle" : "done",
        s.Reason, s.Generation, s.StatisticsVersion, s.NextBucket, CustomerDigest.Buckets, s.Examined, Math.Max(s.Total, s.Examined),
        s.Changed, s.Woken, s.Failed, s.StartedAt, s.FinishedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Population sweep {Generation} started ({Reason}; waking everyone: {WakeAll})")]
    private static partial void LogStarted(ILogger logger, long generation, string reason, bool wakeAll);

    [LoggerMessage(Level = LogLevel.Information, Message = "Population sweep {Generation} done: {Examined} customers examined, {Changed} out of date, {Woken} woken, {Failed} failed")]
    private static partial void LogFinished(ILogger logger, long generation, long examined, long changed, long woken, long failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Population sweep {Generation} failed at bucket {Bucket}; it resumes there")]
    private static partial void LogFailed(ILogger logger, Exception exception, long generation, int bucket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The population sweep could not wake customer {CustomerId}; its next event or check brings it up to date")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception, string customerId);
}

/// <summary>The sweep's stored state: which sweep, why, where it is, and its counts.</summary>
public sealed class SweepState
{
    public long Generation { get; set; }

    public string? Reason { get; set; }

    public string? RulesFingerprint { get; set; }

    public bool WakeAll { get; set; }

    /// <summary>The revision of the stored segments the sweep brings every customer to (0: none asked for).</summary>
    public long SegmentsRevision { get; set; }

    public bool Running { get; set; }

    public long StatisticsVersion { get; set; }

    public int NextBucket { get; set; }

    public long Examined { get; set; }

    public long Total { get; set; }

    public long Changed { get; set; }

    public long Woken { get; set; }

    public long Failed { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>What a digest alone says about a customer's traits under the statistics and rules in force.</summary>
public static class SweepCandidates
{
    public const string RefitReason = "refit";

    public const string RulesReason = "rules";

    /// <summary>A segment defined, changed or removed through the API (or re-seeded from the rules file).</summary>
    public const string SegmentsReason = "segments";

    /// <summary>
    /// Whether the digest's tier or RFM group differs from what its purchase figures give now, or its stage from what its
    /// churn risk gives under the stage thresholds in force (a rules change that moves AtRiskThreshold or LapsedThreshold).
    /// The risk itself needs the whole customer (service history, engagement, the silence under the model): a change of
    /// the rules it is made of wakes everyone (<see cref="SameRiskRules"/>), and after a refit it moves at the customer's
    /// next event or due check, which the silence schedule brings.
    /// </summary>
    public static bool IsStale(CustomerDigest digest, int asOfDay, PopulationStatistics statistics, EngagementRules rules)
    {
        var member = digest.ToMember(asOfDay);
        var figures = member is null
            ? new PurchaseFigures(false, 0, 0, 0, 0, digest.TotalSpend, 0)
            : new PurchaseFigures(true, member.Frequency, digest.PurchaseDays, member.RecencyDays, member.AgeDays, digest.TotalSpend, digest.MeanRepeatSpend);
        var value = ValueTraits.Of(figures, statistics, rules);
        return value.TierLabel != digest.Tier || value.Rfm?.Group.ToString() != digest.RfmGroup || StageIsStale(digest, rules.Stages);
    }

    /// <summary>
    /// Whether the stored stage disagrees with the stored churn risk under <paramref name="stages"/>: among the stages the
    /// risk decides (Lifecycle: Lapsed, AtRisk, else New, Repeat or Loyal), a risk at or above a threshold must show as
    /// that stage, and one below both must not show as either. Churned, Prospect and WonBack do not follow the risk.
    /// </summary>
    public static bool StageIsStale(CustomerDigest digest, StageRules stages)
    {
        if (digest.Stage is not (nameof(LifecycleStage.Lapsed) or nameof(LifecycleStage.AtRisk) or nameof(LifecycleStage.New)
            or nameof(LifecycleStage.Repeat) or nameof(LifecycleStage.Loyal)))
        {
            return false;
        }
        var byRisk = digest.ChurnRisk >= stages.LapsedThreshold ? nameof(LifecycleStage.Lapsed)
            : digest.ChurnRisk >= stages.AtRiskThreshold ? nameof(LifecycleStage.AtRisk)
            : null;
        return byRisk is null ? digest.Stage is nameof(LifecycleStage.Lapsed) or nameof(LifecycleStage.AtRisk) : digest.Stage != byRisk;
    }

    /// <summary>Whether two rule sets make the same churn risk and engagement (so the same risk bands and stages from the same customer).</summary>
    public static bool SameRiskRules(EngagementRules a, EngagementRules b) =>
        a.TimeZone == b.TimeZone && Same(a.Churn, b.Churn) && Same(a.Engagement, b.Engagement) && Same(a.Satisfaction, b.Satisfaction)
        && Same(a.Clv, b.Clv) && a.Stages.LoyalMinPurchaseDays == b.Stages.LoyalMinPurchaseDays && a.Stages.LoyalMinEngagement == b.Stages.LoyalMinEngagement;

    private static bool Same<T>(T a, T b) => JsonSerializer.SerializeToUtf8Bytes(a).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(b));

    /// <summary>The rules' identity: the same rules give the same fingerprint on every silo.</summary>
    public static string Fingerprint(EngagementRules rules) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(rules)));

    public static bool SameSegments(EngagementRules a, EngagementRules b) =>
        a.Segments.Count == b.Segments.Count
        && a.Segments.All(s => b.Segments.TryGetValue(s.Key, out var rule) && string.Equals(rule, s.Value, StringComparison.Ordinal));
}

/// <summary>Starts a sweep when this silo takes in a changed rules file (each silo does; the sweep starts once per rules).</summary>
public sealed partial class SweepOnRulesChange(RulesMonitor rules, IGrainFactory grains, IOptions<EngagementOptions> options, ILogger<SweepOnRulesChange> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Sweep.Enabled) rules.Reloaded += OnReloaded;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        rules.Reloaded -= OnReloaded;
        return Task.CompletedTask;
    }

    private void OnReloaded(RulesSnapshot previous, RulesSnapshot current) => _ = StartSweepAsync(new SweepRequest(
        current.SegmentsRevision != previous.SegmentsRevision ? SweepCandidates.SegmentsReason : SweepCandidates.RulesReason,
        SweepCandidates.Fingerprint(current.Rules), !SweepCandidates.SameSegments(previous.Rules, current.Rules), current.SegmentsRevision,
        !SweepCandidates.SameRiskRules(previous.Rules, current.Rules)));

    private async Task StartSweepAsync(SweepRequest request)
    {
        try
        {
            await grains.GetGrain<IPopulationSweepGrain>(0).Start(request);
        }
        catch (Exception ex)
        {
            LogStartFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Starting the population sweep after a rules change failed; traits move at each customer's next event or check")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);
}
