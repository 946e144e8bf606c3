using Engagement.Grains.Hosting;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Storage;

/// <summary>
/// The journal defers customer digests and writes them together once per interval (Engagement:Journal:DigestInterval):
/// on both stores, a digest waits past commits of appends until the interval is up, then the latest per customer is
/// written with no further call; one asked for now, a flush and a clean shutdown do not wait. In the engine, a
/// customer's checkpoint writes its digest first, so a crash can never leave a checkpoint over a lost digest.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class DeferredDigestTests(TestStores stores)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Digests_wait_past_commits_until_the_interval_is_up_then_the_latest_of_each_customer_is_written(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var clock = new FakeTimeProvider(T0);
        await using var journal = Open(store, clock);

        journal.RecordDigest(Digest("c1", "New"));
        await journal.AppendAsync("a", [Entry(1, "e1")], Ct);
        journal.RecordDigest(Digest("c1", "Active"));
        journal.RecordDigest(Digest("c2", "New"));
        await journal.AppendAsync("a", [Entry(2, "e2")], Ct);
        Assert.Empty(await journal.ReadDigestsAsync(0, CustomerDigest.Buckets, Ct));

        // The interval is up: the journal's timer queues a commit for them (before the append below, whose commit follows it).
        clock.Advance(Interval);
        await journal.AppendAsync("a", [Entry(3, "e3")], Ct);
        Assert.Equal([Digest("c1", "Active"), Digest("c2", "New")], await StoredAsync(journal));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_digest_asked_for_now_is_durable_when_the_call_returns_while_the_others_wait_for_a_flush(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Open(store, new FakeTimeProvider(T0));

        journal.RecordDigest(Digest("c1", "New"));
        journal.RecordDigest(Digest("c2", "New"));
        await journal.WriteDigestAsync(Digest("c2", "Active"), Ct);
        Assert.Equal([Digest("c2", "Active")], await StoredAsync(journal));

        await journal.FlushAsync(Ct);
        Assert.Equal([Digest("c1", "New"), Digest("c2", "Active")], await StoredAsync(journal));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Digests_still_waiting_are_written_when_the_journal_is_disposed(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using (var journal = Open(store, new FakeTimeProvider(T0)))
        {
            journal.RecordDigest(Digest("c1", "Active"));
            await journal.AppendAsync("a", [Entry(1, "e1")], Ct);
        }

        await using var reopened = Open(store, new FakeTimeProvider(T0));
        Assert.Equal([Digest("c1", "Active")], await StoredAsync(reopened));
    }

    [Fact]
    public async Task A_customers_checkpoint_writes_its_digest_first_so_no_flush_is_needed_to_find_it_stored()
    {
        var data = Directory.CreateTempSubdirectory("engagement-deferred-digest-").FullName;
        var customer = $"deferred-{Guid.NewGuid():N}";
        // Digests could wait a minute; a checkpoint after every event must not.
        var engine = await EngineHost.StartEmbeddedAsync(data,
            [new("Engagement:Journal:DigestInterval", "00:01:00"), new("Engagement:Checkpoint:EveryEvents", "1")],
            s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, new FakeTimeProvider(T0.AddDays(1))));
        try
        {
            await engine.Client.SubmitAcceptedAsync(Events.Purchase(customer, 20, T0));
            var digests = await engine.Services.GetRequiredService<IPopulationStore>().ReadDigestsAsync(0, CustomerDigest.Buckets, Ct);
            var digest = Assert.Single(digests, d => d.CustomerId == customer);
            Assert.Equal((1, 20.0), (digest.PurchaseDays, digest.TotalSpend));
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }

    private static GroupCommitJournal Open(TestStore store, TimeProvider clock) =>
        new(store.Dialect, maxEntriesPerCommit: 1_000, NullLogger<GroupCommitJournal>.Instance, Interval, clock);

    private static async Task<IEnumerable<CustomerDigest>> StoredAsync(GroupCommitJournal journal) =>
        (await journal.ReadDigestsAsync(0, CustomerDigest.Buckets, Ct)).OrderBy(d => d.CustomerId, StringComparer.Ordinal);

    private static JournalEntry Entry(long seq, string eventId) =>
        new(seq, eventId, "purchase", "web", T0, T0.AddSeconds(1), $$"""{"amount":{{seq}}}""");

    private static CustomerDigest Digest(string customerId, string stage) =>
        new(customerId, 10, 40, 3, 120.5, 35.25, stage, "B", "vip,north", null);
}
