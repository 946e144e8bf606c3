using System.Text.Json;
using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Storage;

/// <summary>
/// The change feed on both real stores: decisions are written by the journal's commit with the digests they describe, a
/// digest written again says nothing twice, alert changes are relayed once, cursors, dead letters and retention.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class ChangeFeedStoreTests(TestStores stores)
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_digest_commit_writes_its_decisions_once_and_a_digest_written_again_writes_none(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var (feed, writer) = Feed(store);
        await using var journal = new GroupCommitJournal(store.Dialect, 1_000, NullLogger<GroupCommitJournal>.Instance, writer);
        var signalled = feed.Signal.Next;

        journal.RecordDigest(Digest("c1", "New", "C", "Low", "newcomers"));
        await journal.FlushAsync(Ct);
        Assert.True(signalled.IsCompleted);
        var first = await feed.ReadAsync(0, [], 100, Ct);
        Assert.Equal([ChangeKinds.Stage, ChangeKinds.Tier, ChangeKinds.RiskBand, ChangeKinds.SegmentEntered], first.Select(c => c.Kind));
        Assert.All(first, c => Assert.Equal("c1", c.CustomerId));
        Assert.Equal("New", JsonDocument.Parse(first[0].Data).RootElement.GetProperty("to").GetString());

        // The same decisions again (a replay after a crash, a re-activation): nothing new to say.
        journal.RecordDigest(Digest("c1", "New", "C", "Low", "newcomers") with { TotalSpend = 99 });
        await journal.FlushAsync(Ct);
        Assert.Equal(first.Count, (await feed.ReadAsync(0, [], 100, Ct)).Count);

        journal.RecordDigest(Digest("c1", "Active", "C", "Low", "loyal"));
        await journal.FlushAsync(Ct);
        var second = await feed.ReadAsync(first[^1].Sequence, [], 100, Ct);
        Assert.Equal([ChangeKinds.Stage, ChangeKinds.SegmentLeft, ChangeKinds.SegmentEntered], second.Select(c => c.Kind));
        var stage = JsonDocument.Parse(second[0].Data).RootElement;
        Assert.Equal(("New", "Active"), (stage.GetProperty("from").GetString(), stage.GetProperty("to").GetString()));
        Assert.Equal("newcomers", JsonDocument.Parse(second[1].Data).RootElement.GetProperty("segment").GetString());
        Assert.True(second[0].Sequence > first[^1].Sequence);
        Assert.Equal([ChangeKinds.Stage, ChangeKinds.Stage], (await feed.ReadAsync(0, [ChangeKinds.Stage], 100, Ct)).Select(c => c.Kind));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Alert_changes_are_relayed_into_the_feed_once_with_their_kind(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var (feed, writer) = Feed(store);
        await using var alerts = new SqlAlertStore(store.Dialect);
        var relay = new AlertChangeRelay(store.Dialect, store.Dialect, writer);
        var raised = Alert("a1", "c1");
        await alerts.SaveAsync([raised, raised with { State = AlertState.Acknowledged, AcknowledgedAt = At.AddMinutes(1), UpdatedAt = At.AddMinutes(1) }], Ct);

        Assert.Equal(2, await relay.RelayAsync(100, Ct));
        Assert.Equal(0, await relay.RelayAsync(100, Ct));
        await alerts.SaveAsync([raised with { State = AlertState.Resolved, UpdatedAt = At.AddMinutes(2) }], Ct);
        Assert.Equal(1, await relay.RelayAsync(100, Ct));

        var changes = await feed.ReadAsync(0, [], 100, Ct);
        Assert.Equal([ChangeKinds.AlertRaised, ChangeKinds.AlertChanged, ChangeKinds.AlertResolved], changes.Select(c => c.Kind));
        Assert.Equal("a1", JsonDocument.Parse(changes[0].Data).RootElement.GetProperty("alertId").GetString());
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Cursors_and_dead_letters_are_stored_and_retention_deletes_only_what_is_older(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var clock = new FakeTimeProvider(At);
        var signal = new ChangeSignal();
        var feed = new SqlChangeFeed(store.Dialect, signal, clock);
        await using var journal = new GroupCommitJournal(store.Dialect, 1_000, NullLogger<GroupCommitJournal>.Instance, new ChangeFeedWriter(signal, clock));
        journal.RecordDigest(Digest("old", "New", "C", "Low", ""));
        await journal.FlushAsync(Ct);
        clock.Advance(TimeSpan.FromDays(8));
        journal.RecordDigest(Digest("new", "New", "C", "Low", ""));
        await journal.FlushAsync(Ct);

        Assert.Null(await feed.CursorAsync("crm", Ct));
        var all = await feed.ReadAsync(0, [], 100, Ct);
        await feed.AdvanceAsync("crm", all[1].Sequence, [new DeadLetter(0, "crm", all[1].Sequence, "old", all[1].Kind, clock.GetUtcNow(), 3, "HTTP 400")], Ct);
        Assert.Equal(all[1].Sequence, await feed.CursorAsync("crm", Ct));
        var dead = Assert.Single(await feed.DeadLettersAsync("crm", 0, 10, Ct));
        Assert.Equal((all[1].Sequence, "old", 3, "HTTP 400"), (dead.Sequence, dead.CustomerId, dead.Attempts, dead.Error));
        Assert.Empty(await feed.DeadLettersAsync("other", 0, 10, Ct));

        // One gateway delivers to a subscriber at a time; another takes over once the lease ran out or was handed back.
        Assert.True(await feed.LeaseAsync("crm", "gateway-a", TimeSpan.FromSeconds(30), Ct));
        Assert.False(await feed.LeaseAsync("crm", "gateway-b", TimeSpan.FromSeconds(30), Ct));
        Assert.True(await feed.LeaseAsync("crm", "gateway-a", TimeSpan.FromSeconds(30), Ct));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.True(await feed.LeaseAsync("crm", "gateway-b", TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(all[1].Sequence, await feed.CursorAsync("crm", Ct));

        Assert.Equal(3, await feed.DeleteBeforeAsync(clock.GetUtcNow() - TimeSpan.FromDays(7), 1_000, Ct));
        var kept = await feed.ReadAsync(0, [], 100, Ct);
        Assert.All(kept, c => Assert.Equal("new", c.CustomerId));
        Assert.Equal(3, kept.Count);
        Assert.Equal(all[^1].Sequence, await feed.LastSequenceAsync(Ct));
    }

    private static (SqlChangeFeed Feed, ChangeFeedWriter Writer) Feed(TestStore store)
    {
        var signal = new ChangeSignal();
        return (new SqlChangeFeed(store.Dialect, signal, TimeProvider.System), new ChangeFeedWriter(signal, TimeProvider.System));
    }

    private static CustomerDigest Digest(string customerId, string stage, string tier, string riskBand, string segments) =>
        new(customerId, 20000, 20010, 2, 50, 25, stage, tier, segments, null, RiskBand: riskBand);

    private static Alert Alert(string alertId, string customerId) => TestAlerts.ChurnWarning(alertId, customerId, At);
}
