using System.Runtime.CompilerServices;
using Engagement.Feeds;

namespace Engagement.Gateway.Demo;

/// <summary>
/// A feed that remembers the customers it sent events for, so that the demo can check exactly those after a
/// refit. Only the demo needs this; the CLI's feeds do not pay for it.
/// </summary>
internal sealed class FedCustomers(IFeedSource inner) : IFeedSource
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _customers = new(StringComparer.Ordinal);

    public string Kind => inner.Kind;

    public string Source => inner.Source;

    public long? Total => inner.Total;

    /// <summary>The customers fed so far.</summary>
    public string[] Snapshot()
    {
        lock (_lock) return [.. _customers];
    }

    public async IAsyncEnumerable<FeedBatch> ReadAsync(FeedPace pace, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var batch in inner.ReadAsync(pace, cancellationToken).ConfigureAwait(false))
        {
            lock (_lock)
            {
                foreach (var @event in batch.Batch.Events) _customers.Add(@event.CustomerId);
            }
            yield return batch;
        }
    }
}
