using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Storage;

/// <summary>
/// The alert store on both real stores, through their dialects: changes numbered in commit order without gaps
/// or repeats (also with two writers at once), the latest state of each alert, and the reads built on both.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class SqlAlertStoreTests(TestStores stores)
{
    private static readonly DateTimeOffset At = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Changes_are_numbered_in_order_and_read_back_from_any_point(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        Assert.Equal(0, await alerts.LastSequenceAsync(Ct));

        var first = await alerts.SaveAsync([Alert("a1", "c1", "north"), Alert("a2", "c2", "south")], Ct);
        var second = await alerts.SaveAsync([Alert("a1", "c1", "north") with { State = AlertState.Acknowledged }], Ct);

        Assert.Equal([1L, 2], first.Select(a => a.Sequence));
        Assert.Equal([3L], second.Select(a => a.Sequence));
        Assert.Equal(3, await alerts.LastSequenceAsync(Ct));
        Assert.Equal([("a2", 2L), ("a1", 3L)], Changes(await alerts.ChangesSinceAsync(1, null, 10, Ct)));
        Assert.Equal([("a1", 1L), ("a1", 3L)], Changes(await alerts.ChangesSinceAsync(0, ["north"], 10, Ct)));
        Assert.Equal([("a1", 1L)], Changes(await alerts.ChangesSinceAsync(0, ["north"], 1, Ct)));
        Assert.Empty(await alerts.ChangesSinceAsync(0, [], 10, Ct));
        Assert.Equal([("a1", 3L), ("a2", 2L)], Changes(await alerts.OpenAsync(null, Ct)));
        Assert.Equal([("a2", 2L)], Changes(await alerts.OpenAsync(["south"], Ct)));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task An_alert_changed_twice_in_one_save_ends_at_its_last_change(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);

        var raised = Alert("a1", "c1", "north");
        await alerts.SaveAsync([raised, raised with { State = AlertState.Assigned, AssignedTo = "agent-7" }], Ct);

        var latest = await alerts.LatestAsync("c1", AlertKind.ChurnWarning, Ct);
        Assert.Equal((AlertState.Assigned, "agent-7", 2L), (latest!.State, latest.AssignedTo, latest.Sequence));
        Assert.Equal([("a1", 2L)], Changes(await alerts.AssignedToAsync("agent-7", Ct)));
        Assert.Equal([AlertState.Open, AlertState.Assigned], (await alerts.ChangesSinceAsync(0, null, 10, Ct)).Select(a => a.State));
        Assert.Null(await alerts.LatestAsync("c1", AlertKind.TierChange, Ct));

        await alerts.SaveAsync([latest with { State = AlertState.Resolved }], Ct);
        Assert.Empty(await alerts.AssignedToAsync("agent-7", Ct));
        Assert.Empty(await alerts.OpenAsync(null, Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Two_writers_saving_at_once_never_share_or_skip_a_number(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var one = new SqlAlertStore(store.Dialect);
        await using var other = new SqlAlertStore(store.Dialect);

        // Each store is saved to by one loop at a time (as the silo's alert writer does); the two run side by side.
        async Task<List<Alert>> SaveManyAsync(SqlAlertStore alerts, string prefix)
        {
            var saved = new List<Alert>();
            for (var i = 0; i < 20; i++)
            {
                saved.AddRange(await alerts.SaveAsync([.. Enumerable.Range(0, 5).Select(j => Alert($"{prefix}-{i}-{j}", $"{prefix}-{i}-{j}", "north"))], Ct));
            }
            return saved;
        }
        var saved = (await Task.WhenAll(Task.Run(() => SaveManyAsync(one, "one"), Ct), Task.Run(() => SaveManyAsync(other, "other"), Ct))).SelectMany(s => s).ToList();

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), saved.Select(a => a.Sequence).Order());
        var log = await one.ChangesSinceAsync(0, null, 1_000, Ct);
        Assert.Equal(saved.OrderBy(a => a.Sequence).Select(a => (a.AlertId, a.Sequence)), Changes(log));
    }

    /// <summary>
    /// The SLA sweep's read: open alerts due by now (compared as stored, in UTC, to the tick and across fractions of
    /// a second), earliest first, neither acknowledged nor escalated ones, nor those without a due time.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Past_due_finds_the_open_alerts_due_by_now_earliest_first(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        var now = At.AddHours(4);
        await alerts.SaveAsync(
        [
            Alert("due-late", "c1", "north") with { DueBy = now.AddMilliseconds(-500) },
            Alert("due-early", "c2", "north") with { DueBy = now.AddHours(-1) },
            Alert("due-exactly", "c3", "north") with { DueBy = now },
            Alert("not-yet", "c4", "north") with { DueBy = now.AddTicks(1) },
            Alert("acknowledged", "c5", "north") with { DueBy = now.AddHours(-2), State = AlertState.Acknowledged },
            Alert("escalated", "c6", "north") with { DueBy = now.AddHours(-2), Escalated = true, EscalatedAt = now.AddHours(-1) },
            Alert("no-sla", "c7", "north"),
        ], Ct);

        Assert.Equal(["due-early", "due-late", "due-exactly"], (await alerts.PastDueAsync(now, 10, Ct)).Select(a => a.AlertId));
        Assert.Equal(["due-early"], (await alerts.PastDueAsync(now, 1, Ct)).Select(a => a.AlertId));
        // A "now" in another offset is the same instant.
        Assert.Equal(3, (await alerts.PastDueAsync(now.ToOffset(TimeSpan.FromHours(2)), 10, Ct)).Count);
    }

    private static Alert Alert(string alertId, string customerId, string team) => TestAlerts.ChurnWarning(alertId, customerId, At, team);

    private static IEnumerable<(string, long)> Changes(IEnumerable<Alert> alerts) => alerts.Select(a => (a.AlertId, a.Sequence));
}
