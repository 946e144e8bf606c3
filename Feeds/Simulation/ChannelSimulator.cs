using System.Runtime.CompilerServices;
using Engagement.Contracts.V1;

namespace Engagement.Feeds.Simulation;

/// <summary>
/// Synthetic channels for a population of simulated customers, with every event type of the domain. First each
/// customer's recent history (<see cref="SimulationOptions.HistoryDays"/>, from joining to now or to going quiet),
/// a customer's whole history in one batch so that its card is evaluated once it is all there, as fast as the
/// engine acknowledges. Then live: events happening now, for the customers still active (the busier, the more
/// often), at the pace's events per second, until stopped.
/// </summary>
/// <param name="machineClock">The business machineClock: "now" for the history's end and the live events.</param>
public sealed class ChannelSimulator(SimulationOptions options, TimeProvider machineClock) : IFeedSource
{
    /// <summary>Live batches per second at most: small batches keep the live stream smooth.</summary>
    private const double LiveBatchesPerSecond = 10;

    public string Kind => "simulate";

    public string Source => "simulator";

    public long? Total => null;

    public async IAsyncEnumerable<FeedBatch> ReadAsync(FeedPace pace, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var ids = new SimulatedIds(options.RunId);
        var now = machineClock.GetUtcNow();
        var customers = SimulatedPopulation.Create(options, random, now, ids);

        var batch = NewBatch(ids);
        foreach (var customer in customers)
        {
            var history = customer.History(random, now).ToList();
            if (batch.Events.Count > 0 && batch.Events.Count + history.Count > options.BatchSize)
            {
                yield return new FeedBatch(batch, null);
                batch = NewBatch(ids);
            }
            batch.Events.AddRange(history);
        }
        if (batch.Events.Count > 0) yield return new FeedBatch(batch, null);

        var active = customers.Where(c => c.QuietFrom is null).ToArray();
        if (active.Length == 0) yield break;
        var cumulative = new double[active.Length];
        var total = 0.0;
        for (var i = 0; i < active.Length; i++) cumulative[i] = total += active[i].EventsPerDay;

        for (long position = 0; ; )
        {
            var size = (int)Math.Clamp(Math.Round(pace.Speed / LiveBatchesPerSecond), 1, options.BatchSize);
            await pace.WaitUntilAsync(position, cancellationToken);
            var at = machineClock.GetUtcNow();
            batch = NewBatch(ids);
            for (var i = 0; i < size; i++)
            {
                var pick = Array.BinarySearch(cumulative, random.NextDouble() * total);
                batch.Events.Add(active[Math.Min(pick >= 0 ? pick : ~pick, active.Length - 1)].Next(random, at));
            }
            yield return new FeedBatch(batch, null);
            position += size;
        }
    }

    private static EventBatch NewBatch(SimulatedIds ids) => new() { BatchId = ids.Batch() };
}
