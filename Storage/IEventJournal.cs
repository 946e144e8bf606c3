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

/// <summary>Reading the journal back after a commit whose outcome is unknown (the server may have committed though the client saw an error).</summary>
public static class JournalReadBack
{
    /// <summary>
    /// For each entry of an attempt, whether <paramref name="stored"/> holds it as that attempt wrote it: its event at the
    /// sequence number the attempt gave it, with the same payload. A duplicate of an event stored before is under an
    /// older number, so it never reads as this attempt's.
    /// </summary>
    public static bool[] Landed(IReadOnlyList<JournalEntry> entries, IReadOnlyList<JournalEntry> stored)
    {
        var bySeq = stored.ToDictionary(e => e.Seq);
        return [.. entries.Select(e => bySeq.TryGetValue(e.Seq, out var s)
            && string.Equals(s.EventId, e.EventId, StringComparison.Ordinal) && string.Equals(s.Payload, e.Payload, StringComparison.Ordinal))];
    }
}
