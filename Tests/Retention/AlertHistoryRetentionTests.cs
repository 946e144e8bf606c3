using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static Engagement.Tests.Retention.RetentionStores;

namespace Engagement.Tests.Retention;

/// <summary>
/// Issue 17, retention: resolved alerts whose resolution is older than <c>Engagement:Retention:AlertHistoryHorizon</c> go, with
/// their change history and recorded outcome requests; an alert not resolved never goes, however old. Both real stores.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class AlertHistoryRetentionTests(TestStores stores)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Resolved_alerts_past_the_horizon_go_with_their_history_and_open_ones_stay(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        var longAgo = Now.AddDays(-500);
        // Raised long ago and resolved long ago (with a recorded outcome request): past the horizon.
        var old = await RaiseAndResolveAsync(alerts, Alert("old", "c1", longAgo), Now.AddDays(-450));
        await alerts.BeginOutcomeRequestAsync("outcome-of-old", old.AlertId, Ct);
        // Raised as long ago, never resolved.
        await alerts.SaveAsync([Alert("open", "c2", longAgo) with { State = AlertState.Acknowledged, UpdatedAt = Now.AddDays(-480) }], Ct);
        // Raised as long ago, resolved within the horizon.
        await RaiseAndResolveAsync(alerts, Alert("recent", "c3", longAgo), Now.AddDays(-10));
        await RaiseAndResolveAsync(alerts, Alert("old-too", "c4", longAgo.AddDays(1)), Now.AddDays(-449));
        // Past the horizon too, but it holds the newest change: kept, so that sequence numbers never go back.
        await RaiseAndResolveAsync(alerts, Alert("last", "c5", longAgo), Now.AddDays(-440));

        // Scanning one candidate at a time: the job pages through them.
        var run = await Service(store, new FakeTimeProvider(Now), o => (o.AlertHistoryHorizon, o.BatchSize) = (TimeSpan.FromDays(400), 1)).RunOnceAsync(Ct);

        Assert.Equal(2, run.Alerts);
        Assert.Null(await alerts.LatestAsync("c1", AlertKind.ChurnWarning, Ct));
        Assert.Null(await alerts.LatestAsync("c4", AlertKind.ChurnWarning, Ct));
        Assert.Null(await alerts.OutcomeRequestAsync("outcome-of-old", Ct));
        Assert.Equal(["open", "recent", "recent", "last", "last"], (await alerts.ChangesSinceAsync(0, null, 100, Ct)).Select(a => a.AlertId));
        Assert.Equal(AlertState.Acknowledged, (await alerts.LatestAsync("c2", AlertKind.ChurnWarning, Ct))!.State);
        Assert.Equal(AlertState.Resolved, (await alerts.LatestAsync("c3", AlertKind.ChurnWarning, Ct))!.State);
        var sequence = await alerts.LastSequenceAsync(Ct);
        Assert.Equal([sequence + 1], (await alerts.SaveAsync([Alert("next", "c6", Now)], Ct)).Select(a => a.Sequence));
    }

    private static async Task<Alert> RaiseAndResolveAsync(SqlAlertStore alerts, Alert raised, DateTimeOffset resolvedAt)
    {
        await alerts.SaveAsync([raised], Ct);
        var resolved = await alerts.SaveAsync([raised with { State = AlertState.Resolved, ResolvedBy = "agent-1", ResolvedAt = resolvedAt, UpdatedAt = resolvedAt }], Ct);
        return resolved[0];
    }

    private static Alert Alert(string alertId, string customerId, DateTimeOffset raisedAt) => TestAlerts.ChurnWarning(alertId, customerId, raisedAt);
}
