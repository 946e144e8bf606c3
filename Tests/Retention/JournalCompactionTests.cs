using Engagement.Grains.Retention;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static Engagement.Tests.Retention.RetentionStores;

namespace Engagement.Tests.Retention;

/// <summary>
/// Issue 17, retention: the journal is compacted behind the checkpoints past its horizon, on both real stores, by the real
/// retention job reading real checkpoints. Exactly-once then holds for a customer's last <see cref="RetentionOptions.DedupWindowEvents"/>
/// events (10,000, the least the engine allows) and for every event recorded within the horizon; an older duplicate is accepted
/// as new, the documented edge. Before this change nothing was ever deleted and every event id stayed a duplicate forever.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class JournalCompactionTests(TestStores stores)
{
    private const int Window = RetentionOptions.MinDedupWindowEvents;

    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task After_compaction_every_event_id_of_the_window_is_a_duplicate_and_the_one_before_it_is_accepted_as_new(StoreKind kind)
    {
        const int older = 250;
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Journal(store);
        // Sequence numbers with gaps, as a customer's have (a duplicate in a batch takes a number and no row): the window counts rows.
        var entries = Enumerable.Range(1, Window + older).Select(i => Entry(2L * i, $"e{i}", T0)).ToArray();
        await AppendAsync(journal, "c1", entries, Ct);
        var next = entries[^1].Seq + 1;
        await CheckpointAsync(store, "c1", entries[^1].Seq, entries.Length);
        // Before: any event id the customer ever had is a duplicate.
        Assert.Equal(new[] { false }, await journal.AppendAsync("c1", [Entry(next, "e1", T0)], Ct));

        var run = await Service(store, new FakeTimeProvider(T0.AddDays(2))).RunOnceAsync(Ct);

        Assert.Equal((1, (long)older), (run.CustomersCompacted, run.JournalEntries));
        var left = await journal.ReadAsync("c1", 0, Ct);
        Assert.Equal((Window, $"e{older + 1}", $"e{Window + older}"), (left.Count, left[0].EventId, left[^1].EventId));
        // Every one of the last N event ids is still a duplicate...
        var resent = entries[older..].Select((e, i) => Entry(next + i, e.EventId, T0.AddDays(2))).ToArray();
        Assert.Equal(Window, resent.Length);
        Assert.All(await journal.AppendAsync("c1", resent, Ct), Assert.False);
        // ...and the newest one outside the window is not: accepted as new, as docs/operations.md says.
        Assert.Equal(new[] { true }, await journal.AppendAsync("c1", [Entry(next, $"e{older}", T0.AddDays(2))], Ct));
        // The history the query API pages says where it starts.
        var page = await new CustomerQueries(store.Dialect, store.Dialect).EventsAsync("c1", 0, 10, Ct);
        Assert.Equal((2L * older, 2L * (older + 1)), (page.CompactedThrough, page.Events[0].Seq));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Compaction_keeps_what_the_checkpoint_does_not_hold_what_is_younger_than_the_horizon_and_small_customers(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Journal(store);
        // 100 entries recorded ten days ago, then the window and 200 more recorded now.
        var entries = Enumerable.Range(1, Window + 300).Select(i => Entry(i, $"e{i}", i <= 100 ? T0.AddDays(-10) : T0)).ToArray();
        await AppendAsync(journal, "big", entries, Ct);
        await AppendAsync(journal, "small", [.. Enumerable.Range(1, 100).Select(i => Entry(i, $"s{i}", T0.AddDays(-10)))], Ct);
        await CheckpointAsync(store, "small", 100, 100);
        await CheckpointAsync(store, "big", 50, 50);
        // One batch per statement is small, so that the job takes several turns.
        var retention = Service(store, new FakeTimeProvider(T0.AddHours(12)), o => o.BatchSize = 7);
        // The checkpoint holds 50 events only: fewer than the window, so the job does not even look at the journal.
        Assert.Equal(0, (await retention.RunOnceAsync(Ct)).JournalEntries);

        await CheckpointAsync(store, "big", 80, Window + 1);
        Assert.Equal(80, (await retention.RunOnceAsync(Ct)).JournalEntries);
        Assert.Equal(81, (await journal.ReadAsync("big", 0, Ct))[0].Seq);

        await CheckpointAsync(store, "big", Window + 300, Window + 300);
        Assert.Equal(20, (await retention.RunOnceAsync(Ct)).JournalEntries);
        // Entries 101 to 300 are outside the window and held by the checkpoint, but younger than the horizon.
        var left = await journal.ReadAsync("big", 0, Ct);
        Assert.Equal((Window + 200, 101L), (left.Count, left[0].Seq));
        Assert.Equal(100, (await journal.ReadAsync("small", 0, Ct)).Count);
        Assert.Equal(0, (await retention.RunOnceAsync(Ct)).JournalEntries);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Events_appended_while_the_journal_is_compacted_are_all_kept_and_applied_once(StoreKind kind)
    {
        const int older = 3_000;
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Journal(store);
        var entries = Enumerable.Range(1, Window + older).Select(i => Entry(i, $"e{i}", T0)).ToArray();
        await AppendAsync(journal, "c1", entries, Ct);
        await CheckpointAsync(store, "c1", entries.Length, entries.Length);
        var retention = Service(store, new FakeTimeProvider(T0.AddDays(2)), o => o.BatchSize = 20);

        // Deletes of 20 in their own transactions, while the customer (and another) take 2,000 new events in 50 appends.
        var compaction = Task.Run(() => retention.RunOnceAsync(Ct), Ct);
        var appends = Enumerable.Range(0, 50).Select(b => Task.Run(async () =>
        {
            var batch = Enumerable.Range(0, 40).Select(i => Entry(100_000 + b * 40 + i, $"new-{b}-{i}", T0.AddDays(2))).ToArray();
            var other = Enumerable.Range(0, 40).Select(i => Entry(b * 40 + i + 1, $"other-{b}-{i}", T0.AddDays(2))).ToArray();
            return (await journal.AppendAsync("c1", batch, Ct)).Concat(await journal.AppendAsync("other", other, Ct)).ToArray();
        }, Ct)).ToArray();

        Assert.All(await Task.WhenAll(appends).WaitAsync(Ct), fresh => Assert.All(fresh, Assert.True));
        // The window is the last N rows when the job looked: the 3,000 outside it before any append, up to 2,000 more the
        // appends it saw pushed out of it (all held by the checkpoint), never a new one.
        var deleted = (await compaction.WaitAsync(Ct)).JournalEntries;
        Assert.InRange(deleted, older, older + 2_000);
        var left = await journal.ReadAsync("c1", 0, Ct);
        Assert.Equal(Window + older + 2_000 - deleted, left.Count);
        Assert.InRange(left.Count, Window, Window + 2_000);
        Assert.Equal(2_000, left.Count(e => e.EventId.StartsWith("new-", StringComparison.Ordinal)));
        // What went is the oldest entries, one run of them.
        Assert.Equal($"e{deleted + 1}", left[0].EventId);
        Assert.Equal(Window + older - deleted, left.Count(e => e.EventId.StartsWith('e')));
        Assert.Equal(2_000, (await journal.ReadAsync("other", 0, Ct)).Count);
        // Each is a duplicate now.
        Assert.All(await journal.AppendAsync("c1", [.. left.Select((e, i) => e with { Seq = 200_000 + i })], Ct), Assert.False);
    }
}
