using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Storage;

/// <summary>The alert store's count of open alerts (what the <c>engagement.alerts.open</c> gauge shows), on both real stores.</summary>
[Collection(StoreCollection.Name)]
public sealed class AlertStoreTests(TestStores stores)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Open_alerts_are_counted_by_kind_severity_and_state_as_their_latest_change_stands(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        Assert.Empty(await alerts.OpenCountsAsync(Ct));

        var raisedAndRaisedAgain = Alert("a", AlertKind.SatisfactionDrop, AlertSeverity.Warning, AlertState.Open);
        var raisedThenResolved = Alert("b", AlertKind.ChurnWarning, AlertSeverity.Warning, AlertState.Open);
        await alerts.SaveAsync(
        [
            raisedAndRaisedAgain,
            raisedThenResolved,
            Alert("c", AlertKind.ChurnWarning, AlertSeverity.Critical, AlertState.Open),
            Alert("d", AlertKind.ChurnWarning, AlertSeverity.Critical, AlertState.Acknowledged),
            Alert("e", AlertKind.TierChange, AlertSeverity.Info, AlertState.Assigned),
        ], Ct);
        await alerts.SaveAsync(
        [
            raisedAndRaisedAgain with { Severity = AlertSeverity.Critical, Occurrences = 2 },
            raisedThenResolved with { State = AlertState.Resolved },
        ], Ct);

        var counts = (await alerts.OpenCountsAsync(Ct)).OrderBy(c => (c.Kind, c.Severity, c.State)).ToList();
        Assert.Equal(
            [
                new OpenAlertCount(AlertKind.ChurnWarning, AlertSeverity.Critical, AlertState.Open, 1),
                new OpenAlertCount(AlertKind.ChurnWarning, AlertSeverity.Critical, AlertState.Acknowledged, 1),
                new OpenAlertCount(AlertKind.TierChange, AlertSeverity.Info, AlertState.Assigned, 1),
                new OpenAlertCount(AlertKind.SatisfactionDrop, AlertSeverity.Critical, AlertState.Open, 1),
            ],
            counts);
    }

    private static Alert Alert(string customer, AlertKind kind, AlertSeverity severity, AlertState state) => new()
    {
        AlertId = AlertIds.Of(customer, kind, 1),
        Kind = kind,
        Severity = severity,
        State = state,
        CustomerId = customer,
        Team = "north",
        Title = $"{kind} of {customer}",
        Context = new AlertContext(),
        RaisedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };
}
