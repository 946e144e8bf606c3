using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Wire = Engagement.Contracts.V1;

namespace Engagement.Tests.Alerts;

/// <summary>
/// Issue 15, item 7: an alert the store did not take was logged and dropped (the customer's events were committed, so
/// nothing raised it again). Now it waits in the customer's outbox and is delivered once the store takes writes. The
/// fault is real: a trigger on the alert change log refuses every insert, in the engine's own SQLite file.
/// </summary>
public sealed class AlertOutboxTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_alert_the_store_refused_is_raised_once_the_store_takes_writes_again()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: TestLimits.Configuration());
        var customer = $"outbox-{Guid.NewGuid():N}";
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(customer, 10, at));

        var store = SqliteFiles.Of(Path.Combine(engine.DataDirectory, "grains.db"));
        await SqliteFiles.ExecuteAsync(store, "CREATE TRIGGER refuse_alerts BEFORE INSERT ON engagement_alert_changes BEGIN SELECT RAISE(ABORT, 'alert store refuses'); END;", Ct);

        // A detractor answer: a satisfaction drop. The events are committed whatever becomes of the alert.
        await engine.Client.SubmitAcceptedAsync(Events.Nps(customer, 3, at.AddHours(1)));
        Assert.Empty(await AlertsOfAsync(engine, customer));

        await SqliteFiles.ExecuteAsync(store, "DROP TRIGGER refuse_alerts;", Ct);
        IReadOnlyList<Wire.Alert> raised = [];
        await Wait.UntilAsync(async () => (raised = await AlertsOfAsync(engine, customer)).Count > 0, TimeSpan.FromSeconds(60),
            "the refused alert is raised once the store takes writes again");
        var alert = Assert.Single(raised);
        Assert.Equal("SatisfactionDrop", alert.Kind);
        Assert.Equal(1, alert.Occurrences);
    }

    private static async Task<IReadOnlyList<Wire.Alert>> AlertsOfAsync(EngineHost engine, string customer) =>
        [.. (await engine.Client.Alerts().ListAsync(new ListAlertsRequest(), cancellationToken: Ct)).Alerts.Where(a => a.CustomerId == customer)];
}
