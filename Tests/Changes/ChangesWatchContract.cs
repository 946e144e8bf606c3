using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Core;

namespace Engagement.Tests.Changes;

/// <summary>
/// <c>engagement.v1.Changes.Watch</c> over real gRPC, on the embedded engine (SQLite) and the cluster profile (PostgreSQL):
/// the customers' decisions in sequence order, resumed after a sequence, followed live, filtered by kind, and refused to
/// keys without the integration or admin role.
/// </summary>
public abstract class ChangesWatchContract(IEngineFixture engine)
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private EngineClient Client => engine.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_watch_resumes_after_a_sequence_and_follows_new_changes()
    {
        var customers = Enumerable.Range(0, 3).Select(_ => $"w-{Guid.NewGuid():N}").ToArray();
        await Client.SubmitAcceptedAsync([.. customers.Select(c => Events.Purchase(c, 40, Day))]);

        // Everything so far, from the start, until each new customer has its stage.
        var seen = await WatchUntilAsync(0, [], list => customers.All(c => list.Any(x => x.CustomerId == c && x.Kind == "stage.changed")));
        Assert.Equal(seen.Select(c => c.Sequence).Order(), seen.Select(c => c.Sequence));
        Assert.Equal(seen.Count, seen.Select(c => c.Sequence).Distinct().Count());
        var mine = seen.Where(c => customers.Contains(c.CustomerId)).ToList();
        Assert.Contains(mine, c => c.Kind == "tier.changed");
        Assert.All(mine, c => Assert.Contains($"\"subject\":\"{c.CustomerId}\"", c.CloudEvent));
        Assert.All(mine, c => Assert.Contains($"\"type\":\"engagement.v1.{c.Kind}\"", c.CloudEvent));

        // Resumed after a sequence: exactly what came after it.
        var middle = mine[mine.Count / 2].Sequence;
        var resumed = await WatchUntilAsync(middle, [], list => list.Count > 0 && list[^1].Sequence >= seen[^1].Sequence);
        Assert.Equal(seen.Where(c => c.Sequence > middle).Select(c => c.Sequence), resumed.Select(c => c.Sequence).Take(seen.Count(c => c.Sequence > middle)));

        // Followed live: a change committed while watching arrives on the open stream, and only the kinds asked for.
        var late = $"w-{Guid.NewGuid():N}";
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        watching.CancelAfter(Patience);
        using var call = Client.Changes().Watch(new WatchChangesRequest { AfterSequence = seen[^1].Sequence, Kinds = { "engagement.v1.stage.changed" } },
            cancellationToken: watching.Token);
        await Client.SubmitAcceptedAsync(Events.Purchase(late, 15, Day));
        Change? found = null;
        while (found is null && await call.ResponseStream.MoveNext(watching.Token))
        {
            var change = call.ResponseStream.Current;
            Assert.Equal("stage.changed", change.Kind);
            Assert.True(change.Sequence > seen[^1].Sequence);
            if (change.CustomerId == late) found = change;
        }
        Assert.NotNull(found);
    }

    [Fact]
    public async Task Keys_without_the_integration_or_admin_role_are_refused_and_a_bad_kind_is_invalid()
    {
        foreach (var key in new[] { TestKeys.Channel, TestKeys.Agent, TestKeys.Supervisor })
        {
            using var call = Client.Changes(key).Watch(new WatchChangesRequest(), cancellationToken: Ct);
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }
        using var bad = Client.Changes(TestKeys.Admin).Watch(new WatchChangesRequest { Kinds = { "stage.moved" } }, cancellationToken: Ct);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => bad.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("stage.moved", invalid.Status.Detail);
    }

    /// <summary>Watches from <paramref name="after"/> until <paramref name="done"/> holds of what arrived; the watch then ends.</summary>
    private async Task<List<Change>> WatchUntilAsync(long after, string[] kinds, Func<List<Change>, bool> done)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        watching.CancelAfter(Patience);
        using var call = Client.Changes().Watch(new WatchChangesRequest { AfterSequence = after, Kinds = { kinds } }, cancellationToken: watching.Token);
        var list = new List<Change>();
        while (!done(list))
        {
            Assert.True(await call.ResponseStream.MoveNext(watching.Token));
            list.Add(call.ResponseStream.Current);
        }
        return list;
    }
}

public sealed class EmbeddedChangesWatchTests(EmbeddedEngineFixture engine) : ChangesWatchContract(engine), IClassFixture<EmbeddedEngineFixture>;

public sealed class ClusterChangesWatchTests(ClusterEngineFixture engine) : ChangesWatchContract(engine), IClassFixture<ClusterEngineFixture>;
