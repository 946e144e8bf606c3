using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Grains.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Wire = Engagement.Contracts.V1;

namespace Engagement.Tests.Alerts;

/// <summary>
/// Alerts a supervisor can work, on the real engine (embedded, SQLite, business time on a fake clock): an alert closes
/// itself when its cause is gone, with the reason; a churn warning of a customer lapsed beyond the horizon expires; an
/// open alert past its SLA escalates once; a cancellation raises a retention alert; tier moves are information except
/// leaving tier A; Info opens nothing; an agent's contact outcome is the customer's event and works the alert; a backfill
/// raises nothing about its past and its closing check raises what is true at its end.
/// </summary>
public sealed class AlertLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static readonly KeyValuePair<string, string>[] FastPolling = [new("Engagement:Silence:PollInterval", "00:00:00.200")];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_satisfaction_drop_closes_on_a_promoter_answer_and_another_escalates_once_past_its_sla()
    {
        var clock = new FakeTimeProvider(T0);
        await using var engine = await StartAsync(clock);
        var (happy, silent) = (Id("happy"), Id("silent"));

        await engine.Client.SubmitAcceptedAsync(Events.Nps(happy, 2, T0.AddMinutes(-5)), Events.Nps(silent, 1, T0.AddMinutes(-5)));
        var raised = await CurrentAsync(engine, happy, AlertKind.SatisfactionDrop);
        Assert.Equal((AlertState.Open, AlertSeverity.Warning, "USD"), (raised!.State, raised.Severity, raised.Currency));
        Assert.Equal(T0 + TimeSpan.FromHours(4), raised.DueBy);
        Assert.Equal(Math.Round(raised.Context.Clv * raised.Context.ChurnRisk, 2), raised.ExpectedLoss);

        // A promoter answer: the engine resolves the drop, with the reason.
        await engine.Client.SubmitAcceptedAsync(Events.Nps(happy, 9, T0.AddMinutes(-1)));
        var closed = await CurrentAsync(engine, happy, AlertKind.SatisfactionDrop);
        Assert.Equal((AlertState.Resolved, AlertPolicy.Engine, "condition cleared: promoter answer (NPS 9)"), (closed!.State, closed.ResolvedBy, closed.ResolutionNote));

        // Nobody acknowledges the other one: at its due time, the sweep raises its severity one step, once.
        var sweep = engine.Services.GetServices<IHostedService>().OfType<AlertSlaSweep>().Single();
        Assert.Equal(0, await sweep.SweepAsync(Ct));
        clock.SetUtcNow(T0 + TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await sweep.SweepAsync(Ct));
        var escalated = await CurrentAsync(engine, silent, AlertKind.SatisfactionDrop);
        Assert.Equal((AlertState.Open, AlertSeverity.Critical, true, clock.GetUtcNow()), (escalated!.State, escalated.Severity, escalated.Escalated, escalated.EscalatedAt));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await sweep.SweepAsync(Ct));
        Assert.Equal(escalated.Sequence, (await CurrentAsync(engine, silent, AlertKind.SatisfactionDrop))!.Sequence);

        // The stored change is what supervisors see over gRPC too.
        var listed = (await engine.Client.Alerts().ListAsync(new Wire.ListAlertsRequest(), cancellationToken: Ct)).Alerts.Single(a => a.CustomerId == silent);
        Assert.Equal(("Critical", true), (listed.Severity, listed.Escalated));
    }

    [Fact]
    public async Task Value_alerts_follow_the_customer_and_close_when_their_cause_is_gone()
    {
        var clock = new FakeTimeProvider(T0);
        await using var engine = await StartFittedAsync(clock);
        var (vip, small) = (Id("vip"), Id("small"));

        // A big spender enters tier A, a small one stays in C: entering a tier is information, not work.
        await engine.Client.SubmitAcceptedAsync([.. Weekly(vip, 900), .. Weekly(small, 5)]);
        var card = await CardAsync(engine, vip);
        Assert.Equal("A", card.Tier);
        Assert.Contains(card.DecisionLog, d => d.Kind == "Tier" && d.To == "A");
        Assert.Null(await CurrentAsync(engine, vip, AlertKind.TierChange));

        // Silence: the A customer's churn warning is critical; the C customer's is Info, so nothing opens (its stage moves all the same).
        var due = (await CardAsync(engine, small)).RiskRisesAt.ToDateTimeOffset();
        clock.SetUtcNow(Max(due, (await CardAsync(engine, vip)).RiskRisesAt.ToDateTimeOffset()).AddMinutes(1));
        var warning = await WaitForAsync(engine, vip, AlertKind.ChurnWarning, a => a.State == AlertState.Open);
        Assert.Equal(AlertSeverity.Critical, warning.Severity);
        Assert.Contains((await CardAsync(engine, small)).Stage, (string[])["AtRisk", "Lapsed"]);
        Assert.Null(await CurrentAsync(engine, small, AlertKind.ChurnWarning));

        // A cancellation: a retention alert, critical for tier A; the churn warning gives way to it.
        await engine.Client.SubmitAcceptedAsync(Cancellation(vip, clock.GetUtcNow().AddMinutes(-3)));
        var retention = await CurrentAsync(engine, vip, AlertKind.Retention);
        Assert.Equal((AlertState.Open, AlertSeverity.Critical, "cancelled: moving abroad"), (retention!.State, retention.Severity, retention.Reasons.Single()));
        var gone = await CurrentAsync(engine, vip, AlertKind.ChurnWarning);
        Assert.Equal((AlertState.Resolved, AlertPolicy.Engine), (gone!.State, gone.ResolvedBy));

        // A refund takes the customer out of tier A: a tier alert (leaving A, Warning).
        await engine.Client.SubmitAcceptedAsync(Refund(vip, 5390, clock.GetUtcNow().AddMinutes(-2)));
        var left = await CurrentAsync(engine, vip, AlertKind.TierChange);
        Assert.Equal((AlertState.Open, AlertSeverity.Warning), (left!.State, left.Severity));
        Assert.StartsWith("Tier change: A", left.Title, StringComparison.Ordinal);

        // It buys again: back in tier A, and no longer cancelled: both close themselves.
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(vip, 5000, clock.GetUtcNow().AddMinutes(-1)));
        var back = await CurrentAsync(engine, vip, AlertKind.TierChange);
        Assert.Equal((AlertState.Resolved, "condition cleared: tier A now"), (back!.State, back.ResolutionNote));
        var kept = await CurrentAsync(engine, vip, AlertKind.Retention);
        Assert.Equal((AlertState.Resolved, "condition cleared: a purchase after the cancellation"), (kept!.State, kept.ResolutionNote));
    }

    [Fact]
    public async Task A_churn_warning_closes_on_a_purchase_and_one_lapsed_beyond_the_horizon_expires()
    {
        var clock = new FakeTimeProvider(T0);
        await using var engine = await StartFittedAsync(clock);
        var (returning, gone) = (Id("returning"), Id("gone"));
        await engine.Client.SubmitAcceptedAsync([.. Weekly(returning, 900), .. Weekly(gone, 900)]);

        var due = Max((await CardAsync(engine, returning)).RiskRisesAt.ToDateTimeOffset(), (await CardAsync(engine, gone)).RiskRisesAt.ToDateTimeOffset());
        clock.SetUtcNow(due.AddMinutes(1));
        await WaitForAsync(engine, returning, AlertKind.ChurnWarning, a => a.State == AlertState.Open);
        await WaitForAsync(engine, gone, AlertKind.ChurnWarning, a => a.State == AlertState.Open);

        // One buys again: its warning is resolved by the engine with the stage it is in now.
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(returning, 900, clock.GetUtcNow().AddMinutes(-1)));
        var cleared = await CurrentAsync(engine, returning, AlertKind.ChurnWarning);
        var stage = (await CardAsync(engine, returning)).Stage;
        Assert.Equal((AlertState.Resolved, AlertPolicy.Engine), (cleared!.State, cleared.ResolvedBy));
        Assert.StartsWith("condition cleared: ", cleared.ResolutionNote, StringComparison.Ordinal);
        Assert.DoesNotContain(stage, (string[])["AtRisk", "Lapsed"]);

        // The other stays silent past the horizon (180 days since its last purchase): with no event, the warning expires.
        var last = (await CardAsync(engine, gone)).LastPurchaseAt.ToDateTimeOffset();
        clock.SetUtcNow(last.AddDays(183));
        var expired = await WaitForAsync(engine, gone, AlertKind.ChurnWarning, a => a.State == AlertState.Resolved);
        Assert.Equal(AlertPolicy.Engine, expired.ResolvedBy);
        Assert.Matches("^expired: lapsed for 18[0-9] days, moved to the win-back list$", expired.ResolutionNote);
        Assert.Equal("Lapsed", (await CardAsync(engine, gone)).Stage);
    }

    [Fact]
    public async Task A_contact_outcome_is_the_customers_event_in_journal_and_decision_log_and_works_its_alert()
    {
        var clock = new FakeTimeProvider(T0);
        await using var engine = await StartAsync(clock);
        var customer = Id("called");
        await engine.Client.SubmitAcceptedAsync(Events.Nps(customer, 3, T0.AddMinutes(-30)));
        var alert = (await CurrentAsync(engine, customer, AlertKind.SatisfactionDrop))!;
        var grain = engine.Services.GetRequiredService<IGrainFactory>().GetGrain<ICustomerGrain>(customer);

        // Reached: recorded on the alert, which stays open.
        var reached = new CustomerEvent("outcome-1", "agent", T0.AddMinutes(-20), new ContactOutcomePayload(AlertOutcome.Reached, null, "", "ann", alert.AlertId));
        Assert.Equal(1, (await grain.Apply([reached])).Accepted);
        var worked = await CurrentAsync(engine, customer, AlertKind.SatisfactionDrop);
        Assert.Equal((AlertState.Open, AlertOutcome.Reached), (worked!.State, worked.Outcome));

        // Retained: resolves it with the agent's note; the same event again is a duplicate and changes nothing.
        var retained = new CustomerEvent("outcome-2", "agent", T0.AddMinutes(-10), new ContactOutcomePayload(AlertOutcome.Retained, null, "offered a discount", "ann", alert.AlertId));
        Assert.Equal(1, (await grain.Apply([retained])).Accepted);
        var resolved = await CurrentAsync(engine, customer, AlertKind.SatisfactionDrop);
        Assert.Equal((AlertState.Resolved, AlertOutcome.Retained, "ann", "offered a discount"), (resolved!.State, resolved.Outcome, resolved.ResolvedBy, resolved.ResolutionNote));
        Assert.Equal(1, (await grain.Apply([retained])).Duplicates);
        Assert.Equal(resolved.Sequence, (await CurrentAsync(engine, customer, AlertKind.SatisfactionDrop))!.Sequence);

        // In the journal as an event of its own type, read back as it was.
        var entries = await engine.Services.GetRequiredService<IEventJournal>().ReadAsync(customer, 0, Ct);
        var journaled = entries.Where(e => e.EventType == EventTypes.ContactOutcome).Select(EventCodec.FromEntry).ToList();
        Assert.Equal([reached, retained], journaled);

        // And in the decision log, at the contact's (business) time.
        var card = await CardAsync(engine, customer);
        var logged = card.DecisionLog.Where(d => d.Kind == "Outcome").ToList();
        Assert.Equal(["Agent ann recorded: retained (offered a discount)", "Agent ann recorded: reached"], logged.Select(d => d.Cause));
        Assert.Equal(T0.AddMinutes(-10), logged[0].At.ToDateTimeOffset());
    }

    [Fact]
    public async Task A_backfill_raises_nothing_about_its_past_and_its_closing_check_raises_what_is_true_at_its_end()
    {
        var clock = new FakeTimeProvider(T0);
        await using var engine = await StartAsync(clock);
        var (unhappy, answered) = (Id("unhappy"), Id("answered"));
        var grains = engine.Services.GetRequiredService<IGrainFactory>();

        // A replayed past: one customer ends a detractor, the other was one and then answered as a promoter.
        var batch = Events.Batch(Events.Nps(unhappy, 2, T0.AddDays(-30)), Events.Nps(answered, 1, T0.AddDays(-30)), Events.Nps(answered, 10, T0.AddDays(-20)));
        batch.Backfill = true;
        Assert.Equal(3, (await engine.Client.Ingest().SubmitAsync(batch, cancellationToken: Ct)).Accepted);
        Assert.Null(await CurrentAsync(engine, unhappy, AlertKind.SatisfactionDrop));
        Assert.Null(await CurrentAsync(engine, answered, AlertKind.SatisfactionDrop));

        // A check while the backfill goes on (the demo's periodic one) raises nothing either.
        await grains.GetGrain<ICustomerGrain>(unhappy).CheckSilence();
        Assert.Null(await CurrentAsync(engine, unhappy, AlertKind.SatisfactionDrop));

        // The closing check: what is true now, and only that.
        var reply = await engine.Client.Ingest().CheckCustomersAsync(new Wire.CheckCustomersRequest { CustomerIds = { unhappy, answered } }, cancellationToken: Ct);
        Assert.Equal(2, reply.Checked);
        var raised = await CurrentAsync(engine, unhappy, AlertKind.SatisfactionDrop);
        Assert.Equal((AlertState.Open, "detractor answer: NPS 2"), (raised!.State, raised.Reasons.Single()));
        Assert.Equal(T0, raised.RaisedAt);
        Assert.Null(await CurrentAsync(engine, answered, AlertKind.SatisfactionDrop));

        // A second closing check changes nothing; a live detractor after the backfill raises as usual.
        await grains.GetGrain<ICustomerGrain>(unhappy).CheckAfterBackfill();
        Assert.Equal(raised.Sequence, (await CurrentAsync(engine, unhappy, AlertKind.SatisfactionDrop))!.Sequence);
        await engine.Client.SubmitAcceptedAsync(Events.Nps(answered, 0, T0.AddMinutes(-1)));
        Assert.Equal(AlertState.Open, (await CurrentAsync(engine, answered, AlertKind.SatisfactionDrop))!.State);
    }

    private static Task<EngineHost> StartAsync(FakeTimeProvider clock) =>
        EngineHost.StartEmbeddedAsync(settings: FastPolling, services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));

    /// <summary>An engine whose population is fitted, so that tiers and churn models are in force.</summary>
    private static async Task<EngineHost> StartFittedAsync(FakeTimeProvider clock)
    {
        var engine = await StartAsync(clock);
        await engine.Client.SubmitAcceptedAsync(SimulatedPopulation.Purchases(T0));
        await engine.RefitFittedAsync();
        return engine;
    }

    private static string Id(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static Task<Alert?> CurrentAsync(EngineHost engine, string customer, AlertKind kind) =>
        engine.Services.GetRequiredService<IGrainFactory>().GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(customer, kind)).Current();

    /// <summary>Waits (on the silence schedule, which polls every 200 ms) for the customer's alert of a kind to be as wanted.</summary>
    private static async Task<Alert> WaitForAsync(EngineHost engine, string customer, AlertKind kind, Func<Alert, bool> wanted)
    {
        Alert? alert = null;
        await Wait.UntilAsync(async () => (alert = await CurrentAsync(engine, customer, kind)) is { } a && wanted(a), TimeSpan.FromSeconds(30),
            $"the {kind} alert of {customer}");
        return alert!;
    }

    private static Task<Wire.CustomerCard> CardAsync(EngineHost engine, string customer) =>
        engine.Client.Customers().GetAsync(new Wire.GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct).ResponseAsync;

    /// <summary>Six purchases a week apart, the last at T0.</summary>
    private static Wire.Event[] Weekly(string customer, double amount) =>
        [.. Enumerable.Range(0, 6).Select(i => Events.Purchase(customer, amount, T0.AddDays(-7 * (5 - i))))];

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static Wire.Event Cancellation(string customer, DateTimeOffset at) => new()
    {
        EventId = Events.NewId(),
        CustomerId = customer,
        Channel = "crm",
        OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at),
        Cancellation = new Wire.Cancellation { Reason = "moving abroad" },
    };

    private static Wire.Event Refund(string customer, double amount, DateTimeOffset at) => new()
    {
        EventId = Events.NewId(),
        CustomerId = customer,
        Channel = "web",
        OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at),
        Refund = new Wire.Refund { Amount = amount, Currency = "USD", OrderId = "o-refund" },
    };
}
