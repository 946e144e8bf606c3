using Engagement.Contracts.Activity;
using Engagement.Contracts.Customers;
using Engagement.Grains.Hosting;

namespace Engagement.Gateway.Ingest;

/// <summary>
/// This gateway's accepted events per channel (by 5-second bucket of the system machineClock) and its most recently
/// active customers, gathered in memory as batches are acknowledged and reported to the activity grain once a
/// second. An event costs a counter increment; a batch takes one lock.
/// </summary>
public sealed class IngestActivity(IGrainFactory grains, TimeProvider machineClock, ILogger<IngestActivity> logger)
    : PeriodicReporter<ActivityReport>(machineClock, logger)
{
    /// <summary>Recent customers kept between reports (the console shows a handful).</summary>
    public const int RecentCapacity = 100;

    private readonly Lock _gate = new();
    private readonly Queue<RecentCustomer> _recent = new(RecentCapacity + 1);
    private Dictionary<(long Bucket, string Channel), long> _counts = [];

    /// <summary>Counts the accepted events of a batch's customer slices, given each slice's result.</summary>
    public void Record(IReadOnlyList<KeyValuePair<string, List<CustomerEvent>>> slices, IReadOnlyList<ApplyResult> results)
    {
        var now = Clock.GetUtcNow();
        var bucket = ActivityRates.BucketOf(now);
        lock (_gate)
        {
            for (var s = 0; s < slices.Count; s++)
            {
                var (customerId, events) = slices[s];
                var result = results[s];
                if (result.Accepted == 0) continue;
                CustomerEvent? latest = null;
                var duplicates = result.Duplicated;
                var next = 0;
                for (var i = 0; i < events.Count; i++)
                {
                    // Duplicates come sorted by position: walk them alongside.
                    if (duplicates is not null && next < duplicates.Count && duplicates[next] == i)
                    {
                        next++;
                        continue;
                    }
                    var @event = events[i];
                    var key = (bucket, @event.Channel);
                    _counts[key] = _counts.GetValueOrDefault(key) + 1;
                    if (latest is null || @event.OccurredAt >= latest.OccurredAt) latest = @event;
                }
                if (latest is null) continue;
                _recent.Enqueue(new RecentCustomer(customerId, latest.OccurredAt, latest.Channel, latest.Payload.Type, now));
                if (_recent.Count > RecentCapacity) _recent.Dequeue();
            }
        }
    }

    protected override ActivityReport? Take()
    {
        Dictionary<(long Bucket, string Channel), long> counts;
        RecentCustomer[] recent;
        lock (_gate)
        {
            if (_counts.Count == 0 && _recent.Count == 0) return null;
            (counts, _counts) = (_counts, []);
            recent = [.. _recent];
            _recent.Clear();
        }
        return new ActivityReport([.. counts.Select(c => new ChannelCount(ActivityRates.StartOf(c.Key.Bucket), c.Key.Channel, c.Value))], recent);
    }

    protected override Task SendAsync(ActivityReport report, CancellationToken cancellationToken) =>
        grains.GetGrain<IActivityGrain>(0).Report(report).WaitAsync(cancellationToken);
}
