using Engagement.Storage;

namespace Engagement.Grains.Customers;

/// <summary>
/// Resolves an ambiguous journal commit (the server may have committed though the client saw an error) by reading the
/// journal back instead of guessing: an entry is this attempt's when the journal holds its event at the sequence number
/// this attempt gave it, with the same payload. A commit is all or nothing, so one such entry means the commit landed,
/// and the batch's other events were duplicates already; none means it did not land (or had nothing new to land).
/// </summary>
public static class CommitReadBack
{
    /// <summary>
    /// Which of <paramref name="entries"/> (numbered after <paramref name="lastSeq"/>) this attempt committed, or null when
    /// none of them is in the journal: then the attempt is to be treated as failed and resent.
    /// </summary>
    public static async Task<bool[]?> ResolveAsync(IEventJournal journal, string customerId, long lastSeq, IReadOnlyList<JournalEntry> entries,
        CancellationToken cancellationToken = default) =>
        Match(entries, await journal.ReadAsync(customerId, lastSeq, cancellationToken));

    /// <summary>The entries found in <paramref name="stored"/> as this attempt wrote them, or null when none is.</summary>
    public static bool[]? Match(IReadOnlyList<JournalEntry> entries, IReadOnlyList<JournalEntry> stored)
    {
        var landed = JournalReadBack.Landed(entries, stored);
        return landed.Contains(true) ? landed : null;
    }
}
