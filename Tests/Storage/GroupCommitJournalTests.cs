using System.Data.Common;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engagement.Tests.Storage;

/// <summary>
/// The journal and the population digests on both real stores, through their dialects: idempotent appends,
/// acknowledgement only after the commit, one bad append failing alone, entries and digests read back as written.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class GroupCommitJournalTests(TestStores stores)
{
    // Microseconds: the finest instant PostgreSQL keeps (SQLite keeps 100 ns).
    private static readonly DateTimeOffset Occurred = new DateTimeOffset(2025, 3, 1, 10, 15, 30, TimeSpan.FromHours(2)).AddTicks(1_234_560);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task An_event_id_the_customer_already_has_is_not_stored_again_and_entries_read_back_as_written(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Open(store);

        Assert.Equal(new[] { true, true }, await journal.AppendAsync("c1", [Entry(1, "e1"), Entry(2, "e2")], Ct));
        Assert.Equal(new[] { true }, await journal.AppendAsync("c2", [Entry(1, "e1")], Ct));
        Assert.Equal(new[] { false, true }, await journal.AppendAsync("c1", [Entry(3, "e2"), Entry(4, "e3")], Ct));

        var read = await journal.ReadAsync("c1", afterSeq: 0, Ct);
        Assert.Equal([Entry(1, "e1"), Entry(2, "e2"), Entry(4, "e3")], read);
        Assert.Equal([4L], (await journal.ReadAsync("c1", afterSeq: 2, Ct)).Select(e => e.Seq));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Appends_are_acknowledged_only_after_their_commit_and_a_clash_fails_only_its_own_append(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Open(store);
        await journal.AppendAsync("taken", [Entry(1, "first")], Ct);

        Task<bool[]>[] appends;
        Task<bool[]> clash;
        await using (await store.LockAsync("engagement_journal", Ct))
        {
            appends = [.. Enumerable.Range(0, 25).Select(i => journal.AppendAsync($"c{i}", [Entry(1, $"e{i}")], Ct))];
            // Sequence 1 of this customer is taken by another event: its group fails, and each append is retried alone.
            clash = journal.AppendAsync("taken", [Entry(1, "second")], Ct);
            appends = [.. appends, .. Enumerable.Range(25, 25).Select(i => journal.AppendAsync($"c{i}", [Entry(1, $"e{i}")], Ct))];
            Assert.DoesNotContain(appends, a => a.IsCompleted);
            Assert.False(clash.IsCompleted);
        }

        await Assert.ThrowsAnyAsync<DbException>(() => clash.WaitAsync(Ct));
        foreach (var append in appends) Assert.Equal(new[] { true }, await append.WaitAsync(Ct));
        Assert.Equal(["first"], (await journal.ReadAsync("taken", 0, Ct)).Select(e => e.EventId));
        Assert.Equal(["e7"], (await journal.ReadAsync("c7", 0, Ct)).Select(e => e.EventId));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task The_latest_digest_of_each_customer_is_stored_and_due_customers_come_earliest_first(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Open(store);
        var now = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

        journal.RecordDigest(Digest("c1", "Active", now.AddHours(2)));
        journal.RecordDigest(Digest("c1", "AtRisk", now.AddHours(-1)));
        journal.RecordDigest(Digest("c2", "Active", now.AddMinutes(-30)));
        journal.RecordDigest(Digest("c3", "New", null));
        await journal.FlushAsync(Ct);

        var digests = await journal.ReadDigestsAsync(0, CustomerDigest.Buckets, Ct);
        Assert.Equal(
            [Digest("c1", "AtRisk", now.AddHours(-1)), Digest("c2", "Active", now.AddMinutes(-30)), Digest("c3", "New", null)],
            digests.OrderBy(d => d.CustomerId, StringComparer.Ordinal));
        Assert.Equal([new DueCustomer("c1", now.AddHours(-1)), new DueCustomer("c2", now.AddMinutes(-30))],
            await journal.DueAsync(0, CustomerDigest.Buckets, now, limit: 10, Ct));
        Assert.Equal([new DueCustomer("c1", now.AddHours(-1))], await journal.DueAsync(0, CustomerDigest.Buckets, now, limit: 1, Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Text_of_any_length_and_script_and_instants_to_the_tick_read_back_exactly_from_one_group(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Open(store);
        // One group of many rows through one prepared statement: short and long payloads alternate (the SQLite
        // binding reuses one UTF-8 buffer and grows it), with multi-byte text in ids and payloads.
        var entries = Enumerable.Range(1, 40).Select(i => new JournalEntry(i, $"é-{i}-事件", "purchase", i % 2 == 0 ? "web" : "店",
            Occurred.AddTicks(i * 10), Occurred.AddSeconds(i),
            i % 3 == 0 ? $$"""{"note":"{{new string('ü', 300 * i)}}"}""" : $$"""{"amount":{{i}}}""")).ToList();
        var appends = new[] { "kunde-Ø", "c2" }.Select(customer => journal.AppendAsync(customer, entries, Ct)).ToList();
        var twice = journal.AppendAsync("kunde-Ø", entries.Take(2).Select(e => e with { Seq = e.Seq + 100 }).ToList(), Ct);

        foreach (var append in appends) Assert.All(await append, Assert.True);
        Assert.Equal(new[] { false, false }, await twice);
        Assert.Equal(entries, await journal.ReadAsync("kunde-Ø", 0, Ct));
        Assert.Equal(entries, await journal.ReadAsync("c2", 0, Ct));
    }

    private static GroupCommitJournal Open(TestStore store) =>
        new(store.Dialect, maxEntriesPerCommit: 1_000, NullLogger<GroupCommitJournal>.Instance);

    private static JournalEntry Entry(long seq, string eventId) =>
        new(seq, eventId, "purchase", "web", Occurred, Occurred.AddSeconds(1), $$"""{"amount":{{seq}}}""");

    private static CustomerDigest Digest(string customerId, string stage, DateTimeOffset? dueAt) =>
        new(customerId, 10, 40, 3, 120.5, 35.25, stage, "B", "vip,north", dueAt);
}
