namespace Engagement.Storage;

/// <summary>
/// The durable history of every customer: accepted events, appended in groups across many customers
/// so that one transaction carries the writes of many grains.
/// </summary>
public interface IEventJournal
{
    /// <summary>
    /// Appends one customer's entries in the next group commit and returns once that commit is durable.
    /// For each entry, whether it was new; false means the customer already has that event id, so the
    /// entry was not stored and must not be applied.
    /// </summary>
    Task<bool[]> AppendAsync(string customerId, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues the customer's digest for the population statistics; it is written with the next group
    /// commit (the latest one per customer wins). Nobody waits for it: a digest lost in a crash is
    /// written again when the customer next changes or re-activates.
    /// </summary>
    void RecordDigest(CustomerDigest digest);

    /// <summary>The customer's entries with a sequence number above <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string customerId, long afterSeq, CancellationToken cancellationToken = default);
}

/// <summary>One journaled event. <see cref="Payload"/> is the event's payload as JSON, as audits and replays read it.</summary>
public sealed record JournalEntry(
    long Seq,
    string EventId,
    string EventType,
    string Channel,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    string Payload);
