using Engagement.Grains.Changes;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Retention;

/// <summary>
/// Issue 17, retention: the change feed has its own horizon (<c>Engagement:Changes:Retention</c>). The silo's feed maintenance,
/// as configured, deletes the changes older than it at its cleanup interval and keeps the younger ones, on both real stores.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class ChangeFeedHorizonTests(TestStores stores)
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task The_feed_maintenance_deletes_changes_past_the_configured_horizon_and_keeps_the_rest(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var clock = new FakeTimeProvider(At);
        var signal = new ChangeSignal();
        var writer = new ChangeFeedWriter(signal, clock);
        var feed = new SqlChangeFeed(store.Dialect, signal, clock);
        await using var journal = new GroupCommitJournal(store.Dialect, 1_000, NullLogger<GroupCommitJournal>.Instance, writer);
        journal.RecordDigest(Digest("old"));
        await journal.FlushAsync(Ct);
        clock.Advance(TimeSpan.FromDays(3));
        journal.RecordDigest(Digest("young"));
        await journal.FlushAsync(Ct);
        Assert.Equal(["old", "young"], (await feed.ReadAsync(0, [], 100, Ct)).Select(c => c.CustomerId).Distinct());

        var options = new ChangeFeedOptions { Retention = TimeSpan.FromDays(2), CleanupInterval = TimeSpan.FromHours(1) };
        using var maintenance = new ChangeFeedMaintenance(new AlertChangeRelay(store.Dialect, store.Dialect, writer), feed, Options.Create(options), clock,
            NullLogger<ChangeFeedMaintenance>.Instance);
        await maintenance.StartAsync(Ct);
        try
        {
            // The cleanup runs at its interval on the machine clock: each hour that passes may run it.
            await Wait.UntilAsync(async () =>
            {
                clock.Advance(TimeSpan.FromHours(1));
                return (await feed.ReadAsync(0, [], 100, Ct)).All(c => c.CustomerId != "old");
            }, TimeSpan.FromSeconds(30), "the changes past the horizon are deleted");
            Assert.Equal(["young"], (await feed.ReadAsync(0, [], 100, Ct)).Select(c => c.CustomerId).Distinct());
        }
        finally
        {
            await maintenance.StopAsync(CancellationToken.None);
        }
    }

    private static CustomerDigest Digest(string customerId) => new(customerId, 20000, 20010, 2, 50, 25, "New", "C", "", null, RiskBand: "Low");
}
