using System.Collections.Concurrent;
using System.Diagnostics;
using Engagement.Load.Run;
using Engagement.Load.Workload;

namespace Engagement.Load.Push;

/// <summary>
/// Event-to-push latency: the time from sending a batch to receiving the first card of that customer whose
/// recent events include the event id. Only fresh events of watched customers are tracked; their event time is
/// the send time, so on the card they are the newest.
/// </summary>
public sealed class PushTracker
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _pending = new(StringComparer.Ordinal);
    private long _registered;

    public LatencySamples Latency { get; } = new();

    public long Registered => Interlocked.Read(ref _registered);

    /// <summary>Tracked events whose card has not arrived (yet).</summary>
    public long Outstanding => _pending.Values.Sum(p => (long)p.Count);

    /// <summary>Call before the batch is written, so a fast card cannot overtake its registration.</summary>
    public void Register(IReadOnlyList<WatchedSend> sends, long sentAt)
    {
        foreach (var send in sends)
        {
            _pending.GetOrAdd(send.CustomerId, _ => new ConcurrentDictionary<string, long>(StringComparer.Ordinal))[send.EventId] = sentAt;
            Interlocked.Increment(ref _registered);
        }
    }

    public void OnCard(WatchedCard card)
    {
        if (!_pending.TryGetValue(card.CustomerId, out var pending) || pending.IsEmpty) return;
        foreach (var eventId in card.RecentEventIds)
        {
            if (pending.TryRemove(eventId, out var sentAt)) Latency.Record(card.ReceivedAt - sentAt);
        }
    }

    /// <summary>Waits (bounded) for the cards of events already acknowledged.</summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (Outstanding > 0 && deadline.Elapsed < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
