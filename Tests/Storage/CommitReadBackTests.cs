using Engagement.Grains.Customers;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engagement.Tests.Storage;

/// <summary>
/// Issue 15, item 7: an ambiguous commit (the server committed, the client saw an error) was retried and its new events
/// reported as duplicates. The grain now reads the journal back (<see cref="CommitReadBack"/>); this is that read on both
/// real stores, after a commit that landed, one that did not, and events another commit had stored before.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class CommitReadBackTests(TestStores stores)
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JournalEntry Entry(long seq, string eventId, string payload = "{}") => new(seq, eventId, "visit", "web", At, At, payload);

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_landed_commit_is_read_back_as_this_attempts_new_events_and_its_duplicates_stay_duplicates(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = new GroupCommitJournal(store.Dialect, 1_000, NullLogger<GroupCommitJournal>.Instance);
        Assert.Equal(new[] { true }, await journal.AppendAsync("c1", [Entry(1, "e0")], Ct));

        // The attempt: e0 again (a duplicate), e1 and e2 new. It lands; its caller saw an error.
        JournalEntry[] attempt = [Entry(2, "e0"), Entry(3, "e1", """{"n":1}"""), Entry(4, "e2")];
        Assert.Equal(new[] { false, true, true }, await journal.AppendAsync("c1", attempt, Ct));

        Assert.Equal(new[] { false, true, true }, await CommitReadBack.ResolveAsync(journal, "c1", 1, attempt, Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_commit_that_did_not_land_or_rows_of_another_attempt_read_back_as_not_committed(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = new GroupCommitJournal(store.Dialect, 1_000, NullLogger<GroupCommitJournal>.Instance);
        Assert.Equal(new[] { true, true }, await journal.AppendAsync("c2", [Entry(1, "e0"), Entry(2, "e1")], Ct));

        // Nothing of this attempt is stored: it failed and is to be resent.
        Assert.Null(await CommitReadBack.ResolveAsync(journal, "c2", 2, [Entry(3, "e2"), Entry(4, "e3")], Ct));
        // Rows at this attempt's numbers but of other events or payloads (another writer's) are not this attempt's.
        Assert.Null(await CommitReadBack.ResolveAsync(journal, "c2", 0, [Entry(1, "e9"), Entry(2, "e1", """{"other":true}""")], Ct));
    }
}
