using Orleans.Concurrency;

namespace Engagement.Contracts.Population;

/// <summary>
/// The population sweep (one per cluster, key 0): after a refit or a change of the rules it brings every customer's
/// derived traits up to date in the background, reading the stored digests bucket by bucket and waking only the
/// customers whose traits the new statistics or rules change. A newer refit or rules change restarts it.
/// </summary>
public interface IPopulationSweepGrain : IGrainWithIntegerKey
{
    /// <summary>Starts a sweep (restarting one under way) for <paramref name="request"/>; returns its progress.</summary>
    Task<SweepProgress> Start(SweepRequest request);

    [AlwaysInterleave]
    Task<SweepProgress> Progress();
}

/// <summary>
/// Why a sweep starts: <c>refit</c>, <c>rules</c> or <c>segments</c>. <paramref name="RulesFingerprint"/> names the rules in force (every
/// silo reports the same reload; a sweep for rules already swept is not started again), and
/// <paramref name="SegmentsChanged"/> says that segment definitions changed, which the digests cannot answer alone;
/// <paramref name="SegmentsRevision"/> is the revision of the stored segments every woken customer is evaluated with;
/// <paramref name="RiskRulesChanged"/> says that the rules the churn risk and engagement are made of changed (every
/// customer's risk band and stage may move, which the digests cannot answer alone).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SweepRequest(
    [property: Id(0)] string Reason,
    [property: Id(1)] string? RulesFingerprint = null,
    [property: Id(2)] bool SegmentsChanged = false,
    [property: Id(3)] long SegmentsRevision = 0,
    [property: Id(4)] bool RiskRulesChanged = false);

/// <summary>
/// A sweep's progress (<c>GET /api/population/sweep</c>): <c>state</c> is idle, running or done; buckets of the
/// 1024 done; customers examined (their digests read) of about <c>total</c> (the population at the refit), changed
/// (traits out of date, so woken), woken and failed wakes (retried by the next sweep or the customer's next event).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SweepProgress(
    [property: Id(0)] string State,
    [property: Id(1)] string? Reason,
    [property: Id(2)] long Generation,
    [property: Id(3)] long StatisticsVersion,
    [property: Id(4)] int BucketsDone,
    [property: Id(5)] int Buckets,
    [property: Id(6)] long Examined,
    [property: Id(7)] long Total,
    [property: Id(8)] long Changed,
    [property: Id(9)] long Woken,
    [property: Id(10)] long Failed,
    [property: Id(11)] DateTimeOffset? StartedAt,
    [property: Id(12)] DateTimeOffset? FinishedAt);
