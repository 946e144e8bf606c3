using Engagement.Contracts.V1;

namespace Engagement.Feeds;

/// <summary>A batch of a feed, ready to send, with the data day it reached (a replay's; null for the simulator).</summary>
public sealed record FeedBatch(EventBatch Batch, DateOnly? DataDay);

/// <summary>Where a feed's batches come from: a replay of a transaction file, or the channel simulator.</summary>
public interface IFeedSource
{
    /// <summary><c>replay</c> or <c>simulate</c>.</summary>
    string Kind { get; }

    /// <summary>What is fed: the file's name, or the simulator's.</summary>
    string Source { get; }

    /// <summary>The events the feed sends in all, when known (a replay); null for a feed that runs until stopped.</summary>
    long? Total { get; }

    /// <summary>The batches in order, each when <paramref name="pace"/> says it is due.</summary>
    IAsyncEnumerable<FeedBatch> ReadAsync(FeedPace pace, CancellationToken cancellationToken);
}
