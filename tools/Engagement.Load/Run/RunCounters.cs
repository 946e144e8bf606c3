using Engagement.Contracts.V1;
using Engagement.Load.Workload;

namespace Engagement.Load.Run;

/// <summary>
/// What was sent and what the engine answered, across all streams. The totals must match exactly at the end:
/// every fresh valid event accepted once, every re-send a duplicate, every invalid event rejected (and in each
/// batch exactly the invalid positions).
/// </summary>
public sealed class RunCounters
{
    private const int KeptErrors = 5;

    private readonly Lock _errorsLock = new();
    private readonly List<string> _errors = [];
    private long _sentBatches;
    private long _sentEvents;
    private long _sentFresh;
    private long _sentDuplicates;
    private long _sentInvalid;
    private long _ackedBatches;
    private long _ackedEvents;
    private long _accepted;
    private long _duplicates;
    private long _rejected;
    private long _expectedFreshAcked;
    private long _expectedDuplicatesAcked;
    private long _expectedInvalidAcked;
    private long _misplacedRejections;
    private long _errorCount;

    public long SentEvents => Interlocked.Read(ref _sentEvents);

    public long AckedEvents => Interlocked.Read(ref _ackedEvents);

    public long AckedBatches => Interlocked.Read(ref _ackedBatches);

    public long InFlightBatches => Interlocked.Read(ref _sentBatches) - AckedBatches;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long ErrorCount => Interlocked.Read(ref _errorCount);

    public void Sent(PlannedBatch planned)
    {
        Interlocked.Increment(ref _sentBatches);
        Interlocked.Add(ref _sentEvents, planned.Batch.Events.Count);
        Interlocked.Add(ref _sentFresh, planned.Fresh);
        Interlocked.Add(ref _sentDuplicates, planned.Duplicates);
        Interlocked.Add(ref _sentInvalid, planned.InvalidIndexes.Length);
    }

    public void Acked(PlannedBatch planned, BatchAck ack)
    {
        Interlocked.Increment(ref _ackedBatches);
        Interlocked.Add(ref _ackedEvents, planned.Batch.Events.Count);
        Interlocked.Add(ref _accepted, ack.Accepted);
        Interlocked.Add(ref _duplicates, ack.Duplicates);
        Interlocked.Add(ref _rejected, ack.Rejected.Count);
        Interlocked.Add(ref _expectedFreshAcked, planned.Fresh);
        Interlocked.Add(ref _expectedDuplicatesAcked, planned.Duplicates);
        Interlocked.Add(ref _expectedInvalidAcked, planned.InvalidIndexes.Length);
        // Which copy of a re-sent event counts as the duplicate depends on which batch reaches the grain first,
        // so accepted and duplicates are checked in total; rejections are exact per batch.
        if (!ack.Rejected.Select(r => r.Index).Order().SequenceEqual(planned.InvalidIndexes))
        {
            Interlocked.Increment(ref _misplacedRejections);
            Error($"batch {ack.BatchId}: rejected positions [{string.Join(",", ack.Rejected.Select(r => $"{r.Index}:{r.Field}"))}], sent invalid at [{string.Join(",", planned.InvalidIndexes)}]");
        }
    }

    public void Error(string message)
    {
        Interlocked.Increment(ref _errorCount);
        lock (_errorsLock)
        {
            if (_errors.Count < KeptErrors) _errors.Add(message);
        }
    }

    public CountCheck Check()
    {
        var sentBatches = Interlocked.Read(ref _sentBatches);
        var expected = new EventCounts(Interlocked.Read(ref _expectedFreshAcked), Interlocked.Read(ref _expectedDuplicatesAcked), Interlocked.Read(ref _expectedInvalidAcked));
        var actual = new EventCounts(Accepted, Duplicates, Rejected);
        var sent = new EventCounts(Interlocked.Read(ref _sentFresh), Interlocked.Read(ref _sentDuplicates), Interlocked.Read(ref _sentInvalid));
        var problems = new List<string>();
        if (AckedBatches != sentBatches) problems.Add($"{sentBatches - AckedBatches} of {sentBatches} batches were never acknowledged");
        if (actual != expected) problems.Add($"acknowledged {actual}, expected {expected}");
        if (Interlocked.Read(ref _misplacedRejections) is > 0 and var misplaced) problems.Add($"{misplaced} batches rejected other positions than the invalid ones");
        lock (_errorsLock) problems.AddRange(_errors);
        if (ErrorCount > KeptErrors) problems.Add($"... and {ErrorCount - KeptErrors} more errors");
        return new CountCheck(problems.Count == 0, sent, expected, actual, problems);
    }
}

public sealed record EventCounts(long Accepted, long Duplicates, long Rejected)
{
    public override string ToString() => $"accepted {Accepted:N0} / duplicates {Duplicates:N0} / rejected {Rejected:N0}";
}

public sealed record CountCheck(bool Passed, EventCounts Sent, EventCounts ExpectedOfAcked, EventCounts Acknowledged, IReadOnlyList<string> Problems);
