using System.Text.Json.Serialization;
using Orleans.Concurrency;

namespace Engagement.Contracts.Activity;

/// <summary>
/// What is happening right now across every gateway: accepted events per channel in 5-second buckets and
/// the customers who were active last. Each gateway counts in memory as it ingests and reports here once a
/// second, so an event costs no call of its own. Held in memory only: these are live gauges.
/// </summary>
public interface IActivityGrain : IGrainWithIntegerKey
{
    /// <summary>Merges one gateway's counts and recent customers since its previous report.</summary>
    Task Report(ActivityReport report);

    /// <summary>Accepted events per channel over the last <see cref="ActivityRates.Window"/>, oldest bucket first.</summary>
    [ReadOnly]
    Task<ActivityRates> Rates();

    /// <summary>The most recently active customers (by when their latest event was taken), newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<RecentCustomer>> Recent(int limit);

    /// <summary>Drops an erased customer from the recent customers.</summary>
    Task Forget(string customerId);
}

/// <summary>One gateway's activity since its previous report: counts by bucket and channel, recent customers oldest first.</summary>
[GenerateSerializer, Immutable]
public sealed record ActivityReport(
    [property: Id(0)] IReadOnlyList<ChannelCount> Counts,
    [property: Id(1)] IReadOnlyList<RecentCustomer> Recent);

/// <summary>Accepted events of one channel in the bucket that starts at <see cref="BucketStart"/> (system clock).</summary>
[GenerateSerializer, Immutable]
public sealed record ChannelCount([property: Id(0)] DateTimeOffset BucketStart, [property: Id(1)] string Channel, [property: Id(2)] long Count);

/// <summary>
/// A customer's latest accepted event: its business time, channel and type. <see cref="ReceivedAt"/> (system
/// clock) orders customers across gateways and is not part of the HTTP answer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecentCustomer(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] DateTimeOffset LastEventAt,
    [property: Id(2)] string Channel,
    [property: Id(3)] string Type,
    [property: Id(4), JsonIgnore] DateTimeOffset ReceivedAt);

/// <summary>Accepted events per channel, one count per bucket of <see cref="BucketSeconds"/>, oldest first, ending with the current bucket.</summary>
[GenerateSerializer, Immutable]
public sealed record ActivityRates(
    [property: Id(0)] DateTimeOffset AsOf,
    [property: Id(1)] int BucketSeconds,
    [property: Id(2)] IReadOnlyDictionary<string, long[]> Channels)
{
    public const int Seconds = 5;
    public const int Buckets = 60;

    public static TimeSpan Window { get; } = TimeSpan.FromSeconds(Seconds * Buckets);

    /// <summary>The index of the bucket a time falls in (Unix time in whole buckets).</summary>
    public static long BucketOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / Seconds;

    public static DateTimeOffset StartOf(long bucket) => DateTimeOffset.FromUnixTimeSeconds(bucket * Seconds);
}
