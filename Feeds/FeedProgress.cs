using Engagement.Contracts.V1;

namespace Engagement.Feeds;

/// <summary>A feed's counts so far, as the engine acknowledged them. Updated by the runner, read from any thread.</summary>
public sealed class FeedProgress
{
    private const int NoDay = int.MinValue;

    private long _sent;
    private long _accepted;
    private long _duplicates;
    private long _rejected;
    private int _dataDay = NoDay;
    private Rejection? _firstRejection;

    public long Sent => Interlocked.Read(ref _sent);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Sent events the engine has answered for (accepted, duplicate or rejected).</summary>
    public long Acknowledged => Accepted + Duplicates + Rejected;

    /// <summary>The data day of the last batch sent (a replay's); null before the first or for the simulator.</summary>
    public DateOnly? DataDay => Volatile.Read(ref _dataDay) is var day and not NoDay ? DateOnly.FromDayNumber(day) : null;

    /// <summary>The first event the engine rejected, with its field and reason: enough to see what is wrong.</summary>
    public Rejection? FirstRejection => Volatile.Read(ref _firstRejection);

    public void OnSent(FeedBatch batch)
    {
        Interlocked.Add(ref _sent, batch.Batch.Events.Count);
        if (batch.DataDay is { } day) Volatile.Write(ref _dataDay, day.DayNumber);
    }

    public void OnAcknowledged(BatchAck ack)
    {
        Interlocked.Add(ref _accepted, ack.Accepted);
        Interlocked.Add(ref _duplicates, ack.Duplicates);
        Interlocked.Add(ref _rejected, ack.Rejected.Count);
        if (ack.Rejected.Count > 0) Interlocked.CompareExchange(ref _firstRejection, ack.Rejected[0], null);
    }
}
