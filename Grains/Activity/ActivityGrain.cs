using Engagement.Contracts.Activity;

namespace Engagement.Grains.Activity;

/// <summary>
/// The merged activity of every gateway, in memory: counts by 5-second bucket and channel for the last five
/// minutes (system machineClock), and the most recently active customers. A restart or a move to another silo starts
/// it empty; the next reports fill it again.
/// </summary>
public sealed class ActivityGrain(TimeProvider machineClock) : Grain, IActivityGrain
{
    /// <summary>Recent customers kept: the console's suggestions need a handful.</summary>
    public const int RecentCapacity = 100;

    /// <summary>Channels are free-form tokens; beyond this many in the window, the rest count as "other".</summary>
    public const int MaxChannels = 64;

    public const string OtherChannel = "other";

    private readonly Dictionary<string, Dictionary<long, long>> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (RecentCustomer Customer, long Order)> _recent = new(StringComparer.Ordinal);
    private long _order;

    public Task Report(ActivityReport report)
    {
        var oldest = ActivityRates.BucketOf(machineClock.GetUtcNow()) - ActivityRates.Buckets + 1;
        foreach (var (channel, buckets) in _counts)
        {
            foreach (var stale in buckets.Keys.Where(b => b < oldest).ToList()) buckets.Remove(stale);
            if (buckets.Count == 0) _counts.Remove(channel);
        }
        foreach (var count in report.Counts)
        {
            var bucket = ActivityRates.BucketOf(count.BucketStart);
            if (bucket < oldest) continue;
            var channel = _counts.ContainsKey(count.Channel) || _counts.Count < MaxChannels ? count.Channel : OtherChannel;
            if (!_counts.TryGetValue(channel, out var buckets)) _counts[channel] = buckets = [];
            buckets[bucket] = buckets.GetValueOrDefault(bucket) + count.Count;
        }

        // Oldest first, so a later entry of the same customer (or the same time) wins.
        foreach (var customer in report.Recent)
        {
            if (_recent.TryGetValue(customer.CustomerId, out var held) && held.Customer.ReceivedAt > customer.ReceivedAt) continue;
            _recent[customer.CustomerId] = (customer, ++_order);
        }
        if (_recent.Count > 2 * RecentCapacity)
        {
            foreach (var old in Newest().Skip(RecentCapacity).Select(c => c.CustomerId).ToList()) _recent.Remove(old);
        }
        return Task.CompletedTask;
    }

    public Task<ActivityRates> Rates()
    {
        var now = machineClock.GetUtcNow();
        var oldest = ActivityRates.BucketOf(now) - ActivityRates.Buckets + 1;
        var channels = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (channel, buckets) in _counts)
        {
            var series = new long[ActivityRates.Buckets];
            foreach (var (bucket, count) in buckets)
            {
                if (bucket >= oldest && bucket < oldest + ActivityRates.Buckets) series[bucket - oldest] = count;
            }
            if (series.Any(n => n > 0)) channels[channel] = series;
        }
        return Task.FromResult(new ActivityRates(now, ActivityRates.Seconds, channels));
    }

    public Task<IReadOnlyList<RecentCustomer>> Recent(int limit) =>
        Task.FromResult<IReadOnlyList<RecentCustomer>>([.. Newest().Take(limit)]);

    public Task Forget(string customerId)
    {
        _recent.Remove(customerId);
        return Task.CompletedTask;
    }

    private IEnumerable<RecentCustomer> Newest() =>
        _recent.Values.OrderByDescending(r => r.Customer.ReceivedAt).ThenByDescending(r => r.Order).Select(r => r.Customer);
}
