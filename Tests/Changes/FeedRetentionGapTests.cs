using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Gateway.Changes;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Changes;

/// <summary>
/// A reader that resumes after changes the feed's retention has deleted is told so: <c>Changes.Watch</c> fails with
/// OUT_OF_RANGE naming the oldest sequence kept (message and trailer) unless the request accepts the gap; a webhook whose
/// cursor fell behind gets a <c>feed.gap</c> dead letter for admins and carries on. Real engine, real gRPC and Kestrel.
/// </summary>
public sealed class FeedRetentionGapTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_watch_from_before_the_retention_fails_with_out_of_range_naming_the_oldest_kept()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync();
        var feed = engine.Services.GetRequiredService<IChangeFeed>();
        var early = $"early-{Guid.NewGuid():N}";
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(early, 30, Day));
        var deletedThrough = await ExpireEverythingAsync(engine, feed, early);
        var late = $"late-{Guid.NewGuid():N}";
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(late, 30, Day));
        var kept = await ReadUntilAsync(engine, new WatchChangesRequest { AfterSequence = 0 }, late);
        Assert.True(kept[0].Sequence > deletedThrough);

        var gap = await Assert.ThrowsAsync<RpcException>(() => ReadUntilAsync(engine, new WatchChangesRequest { AfterSequence = 1 }, late));
        Assert.Equal(StatusCode.OutOfRange, gap.StatusCode);
        Assert.Equal(kept[0].Sequence.ToString(), gap.Trailers.GetValue(ChangesService.OldestSequenceTrailer));
        Assert.Contains($"oldest sequence kept is {kept[0].Sequence}", gap.Status.Detail, StringComparison.Ordinal);

        // Accepting the gap, or resuming from the last change deleted (nothing missed), reads what is kept.
        var accepted = await ReadUntilAsync(engine, new WatchChangesRequest { AfterSequence = 1, AcceptGap = true }, late);
        Assert.Equal(kept.Select(c => c.Sequence), accepted.Select(c => c.Sequence));
        var resumed = await ReadUntilAsync(engine, new WatchChangesRequest { AfterSequence = deletedThrough }, late);
        Assert.Equal(kept.Select(c => c.Sequence), resumed.Select(c => c.Sequence));
    }

    [Fact]
    public async Task A_webhook_cursor_behind_the_retention_is_dead_lettered_as_a_gap_and_delivery_goes_on()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var data = Directory.CreateTempSubdirectory("engagement-gap-").FullName;
        var early = $"early-{Guid.NewGuid():N}";
        var late = $"late-{Guid.NewGuid():N}";
        long deletedThrough;
        try
        {
            // Without the webhook: the subscriber had taken the first change, then the feed moved on past its retention.
            await using (var engine = await EngineHost.StartEmbeddedAsync(data))
            {
                var feed = engine.Services.GetRequiredService<IChangeFeed>();
                await engine.Client.SubmitAcceptedAsync(Events.Purchase(early, 30, Day), Events.Purchase(early, 50, Day.AddDays(3)));
                await ReadUntilAsync(engine, new WatchChangesRequest(), early);
                var first = (await feed.ReadAsync(0, [], 1, Ct))[0].Sequence;
                await feed.AdvanceAsync("crm", first, [], Ct);
                deletedThrough = await ExpireEverythingAsync(engine, feed, early);
                Assert.True(deletedThrough > first);
                await engine.Client.SubmitAcceptedAsync(Events.Purchase(late, 30, Day));
                await ReadUntilAsync(engine, new WatchChangesRequest { AfterSequence = deletedThrough }, late);
            }

            await using (var engine = await EngineHost.StartEmbeddedAsync(data, new Dictionary<string, string>
            {
                ["Engagement:Webhooks:crm:Url"] = receiver.Url.ToString(),
                ["Engagement:Webhooks:crm:Secret"] = WebhookReceiver.Secret,
                ["Engagement:Changes:PollInterval"] = "00:00:00.200",
            }))
            {
                await Wait.UntilAsync(() => Task.FromResult(receiver.Received.Any(e => e.Subject == late)), TimeSpan.FromSeconds(60), "the kept changes delivered");
                Assert.DoesNotContain(receiver.Received, e => e.Subject == early);
                using var admin = engine.Http(TestKeys.Admin);
                var letters = await admin.GetFromJsonAsync<JsonElement>("/api/admin/webhooks/crm/dead-letters", Ct);
                var gap = Assert.Single(letters.EnumerateArray());
                Assert.Equal(WebhookDispatcher.GapKind, gap.GetProperty("kind").GetString());
                Assert.Equal(deletedThrough, gap.GetProperty("sequence").GetInt64());
                Assert.Contains("retention", gap.GetProperty("error").GetString()!, StringComparison.Ordinal);
                var subscribers = await admin.GetFromJsonAsync<JsonElement>("/api/admin/webhooks", Ct);
                Assert.Equal(deletedThrough, subscribers[0].GetProperty("deletedThrough").GetInt64());
            }
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Retention_records_how_far_it_deleted(StoreKind kind)
    {
        await using var stores = new TestStores();
        await stores.InitializeAsync();
        var store = await stores.CreateAsync(kind, Ct);
        var clock = new FakeTimeProvider(Day);
        var signal = new ChangeSignal();
        var feed = new SqlChangeFeed(store.Dialect, signal, clock);
        await using var journal = new GroupCommitJournal(store.Dialect, 1_000, NullLogger<GroupCommitJournal>.Instance, new ChangeFeedWriter(signal, clock));
        journal.RecordDigest(new CustomerDigest("old", 20000, 20010, 2, 50, 25, "New", "C", "", null, RiskBand: "Low"));
        await journal.FlushAsync(Ct);
        clock.Advance(TimeSpan.FromDays(8));
        journal.RecordDigest(new CustomerDigest("new", 20000, 20010, 2, 50, 25, "New", "C", "", null, RiskBand: "Low"));
        await journal.FlushAsync(Ct);
        var all = await feed.ReadAsync(0, [], 100, Ct);

        Assert.Equal(0, await feed.DeletedThroughAsync(Ct));
        Assert.Equal(all[0].Sequence, await feed.OldestSequenceAsync(Ct));
        Assert.Equal(0, await feed.DeleteBeforeAsync(Day, 1_000, Ct));
        Assert.Equal(0, await feed.DeletedThroughAsync(Ct));
        var old = all.Count(c => c.CustomerId == "old");
        Assert.Equal(old, await feed.DeleteBeforeAsync(clock.GetUtcNow() - TimeSpan.FromDays(7), 1_000, Ct));
        Assert.Equal(all[old - 1].Sequence, await feed.DeletedThroughAsync(Ct));
        Assert.Equal(all[old].Sequence, await feed.OldestSequenceAsync(Ct));
    }

    /// <summary>Deletes every change committed so far, as retention would once they are old; returns the last deleted.</summary>
    private static async Task<long> ExpireEverythingAsync(EngineHost engine, IChangeFeed feed, string customer)
    {
        await ReadUntilAsync(engine, new WatchChangesRequest(), customer);
        var last = await feed.LastSequenceAsync(Ct);
        while (await feed.DeleteBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(1), 1_000, Ct) > 0)
        {
        }
        var deletedThrough = await feed.DeletedThroughAsync(Ct);
        Assert.True(deletedThrough >= last);
        Assert.Null(await feed.OldestSequenceAsync(Ct) is { } oldest && oldest <= deletedThrough ? oldest : null);
        return deletedThrough;
    }

    /// <summary>The watch's changes up to the first of <paramref name="customer"/> (within a minute).</summary>
    private static async Task<List<Engagement.Contracts.V1.Change>> ReadUntilAsync(EngineHost engine, WatchChangesRequest request, string customer)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        watching.CancelAfter(TimeSpan.FromSeconds(60));
        using var call = engine.Client.Changes().Watch(request, cancellationToken: watching.Token);
        var list = new List<Engagement.Contracts.V1.Change>();
        while (list.Count == 0 || list[^1].CustomerId != customer)
        {
            Assert.True(await call.ResponseStream.MoveNext(watching.Token));
            list.Add(call.ResponseStream.Current);
        }
        return list;
    }
}
