using Engagement.Contracts.Alerts;
using Engagement.Grains.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Model;
using static Engagement.Tests.Model.CustomerFixtures;

namespace Engagement.Tests.Alerts;

/// <summary>
/// Which changes a supervisor hears about and how loudly: each kind of alert from the change that calls for it,
/// severity following the customer's value, nothing for changes that do not matter, and no Info cause at all (it
/// is not work). And when an open alert's cause is gone: the reason in words, or null while it holds.
/// </summary>
public sealed class AlertPolicyTests
{
    private static readonly EngagementRules Rules = new();
    /// <summary>The defaults but the money floor, which the tests' small spenders stay below (its own test sets it).</summary>
    private static readonly AlertOptions Options = new() { MinExpectedLoss = 0 };
    private static readonly DateTimeOffset Now = Day(14);
    private static readonly AlertPolicy.Before Unchanged = new(null, new HashSet<string>());

    public static TheoryData<string, ValueTier, AlertSeverity?> StageChanges => new()
    {
        { nameof(LifecycleStage.AtRisk), ValueTier.A, AlertSeverity.Critical },
        { nameof(LifecycleStage.AtRisk), ValueTier.B, AlertSeverity.Warning },
        // Info is not work: a tier C customer's warning opens nothing (the stage move is on the card and in the log).
        { nameof(LifecycleStage.Lapsed), ValueTier.C, null },
        { nameof(LifecycleStage.Lapsed), ValueTier.A, AlertSeverity.Critical },
        { nameof(LifecycleStage.Repeat), ValueTier.A, null },
        { nameof(LifecycleStage.Churned), ValueTier.A, null },
        { nameof(LifecycleStage.WonBack), ValueTier.B, null },
    };

    [Theory]
    [MemberData(nameof(StageChanges))]
    public void Entering_at_risk_or_lapsed_is_a_churn_warning_as_severe_as_the_customer_is_valuable(string to, ValueTier tier, AlertSeverity? severity)
    {
        var (model, traits) = Customer();
        var change = new DecisionLogEntry(Now, DecisionKind.Stage, nameof(LifecycleStage.Repeat), to, "silent for 60 days");

        var causes = AlertPolicy.Causes(Unchanged, traits with { Tier = tier }, [change], [], model, Options, Now).ToList();

        if (severity is null)
        {
            Assert.Empty(causes);
            return;
        }
        var cause = Assert.Single(causes);
        Assert.Equal((AlertKind.ChurnWarning, severity.Value, $"Churn warning: Repeat → {to}"), (cause.Kind, cause.Severity, cause.Title));
        // The risk, then each reason once: the stage's cause (which repeats them all) is the decision log's, not listed again.
        Assert.Equal([$"Churn risk {traits.ChurnRisk.Value * 100:0}%", .. traits.ChurnRisk.Reasons.Select(r => r.Detail)], cause.Reasons);
        Assert.DoesNotContain("silent for 60 days", cause.Reasons);
        Assert.Equal(Now, cause.At);
    }

    /// <summary>Tier moves are information: by default only leaving tier A is an alert (Warning); entering A, moves among B and C and band changes are not.</summary>
    [Theory]
    [InlineData("A", "B", AlertSeverity.Warning)]
    [InlineData("A/Gold", "B/Silver", AlertSeverity.Warning)]
    [InlineData("A/Gold", "C", AlertSeverity.Warning)]
    [InlineData("B", "A", null)]
    [InlineData("A/Gold", "A/Silver", null)]
    [InlineData("C", "B", null)]
    [InlineData("B", "C", null)]
    public void Only_leaving_tier_A_is_a_tier_alert_by_default(string from, string to, AlertSeverity? severity)
    {
        var (model, traits) = Customer();
        var change = new DecisionLogEntry(Now, DecisionKind.Tier, from, to, "spend 600 crossed 500");

        var causes = AlertPolicy.Causes(Unchanged, traits, [change], [], model, Options, Now).ToList();

        if (severity is null)
        {
            Assert.Empty(causes);
            return;
        }
        var cause = Assert.Single(causes);
        Assert.Equal((AlertKind.TierChange, severity.Value, $"Tier change: {from} → {to}"), (cause.Kind, cause.Severity, cause.Title));
        Assert.Equal(["spend 600 crossed 500"], cause.Reasons);
    }

    [Fact]
    public void The_tier_moves_that_alert_are_configured()
    {
        var (model, traits) = Customer();
        var options = new AlertOptions();
        options.TierAlerts["FromA"] = AlertSeverity.Info;
        options.TierAlerts["ToA"] = AlertSeverity.Critical;
        AlertSeverity? Severity(string from, string to) => AlertPolicy.Causes(Unchanged, traits,
            [new DecisionLogEntry(Now, DecisionKind.Tier, from, to, "spend")], [], model, options, Now).SingleOrDefault()?.Severity;

        Assert.Null(Severity("A", "B"));
        Assert.Equal(AlertSeverity.Critical, Severity("B", "A"));
    }

    [Fact]
    public void A_risk_band_change_alone_is_no_alert()
    {
        var (model, traits) = Customer();
        var change = new DecisionLogEntry(Now, DecisionKind.Risk, "Low", "Elevated", "silence");
        Assert.Empty(AlertPolicy.Causes(Unchanged, traits with { Tier = ValueTier.A }, [change], [], model, Options, Now));
    }

    /// <summary>
    /// The tier; whether the events carried a high-severity complaint (t-1); whether complaint t-2 is overdue and
    /// whether it was escalated before; the severity of the escalation (null: none) and its reasons.
    /// </summary>
    public static TheoryData<ValueTier, bool, bool, bool, AlertSeverity?, string[]> Escalations => new()
    {
        { ValueTier.A, true, false, false, AlertSeverity.Critical, ["high-severity complaint t-1 from a tier A customer"] },
        { ValueTier.B, true, false, false, AlertSeverity.Warning, ["high-severity complaint t-1 from a tier B customer"] },
        { ValueTier.C, true, false, false, null, [] },
        { ValueTier.C, false, true, false, null, [] },
        { ValueTier.C, false, true, true, null, [] },
        { ValueTier.A, false, false, false, null, [] },
        {
            ValueTier.A, true, true, false, AlertSeverity.Critical,
            ["high-severity complaint t-1 from a tier A customer", "complaint t-2 (medium) open for 9 days"]
        },
    };

    [Theory]
    [MemberData(nameof(Escalations))]
    public void A_complaint_escalates_when_high_from_a_valuable_customer_or_first_found_overdue(
        ValueTier tier, bool highComplaint, bool overdue, bool escalatedBefore, AlertSeverity? severity, string[] reasons)
    {
        var (model, traits) = Customer();
        OpenComplaint[] open = overdue ? [new OpenComplaint("t-2", ComplaintSeverity.Medium, Now.AddDays(-9), 9, Overdue: true)] : [];
        var after = traits with { Tier = tier, Satisfaction = traits.Satisfaction with { OpenComplaints = open } };
        var before = new AlertPolicy.Before(null, escalatedBefore ? new HashSet<string> { "t-2" } : new HashSet<string>());
        EventFacts[] facts = highComplaint ? [new EventFacts("t-1", null), new EventFacts(null, null)] : [new EventFacts(null, null)];

        var causes = AlertPolicy.Causes(before, after, [], facts, model, Options, Now).ToList();

        if (severity is null)
        {
            Assert.Empty(causes);
            return;
        }
        var cause = Assert.Single(causes);
        Assert.Equal((AlertKind.ComplaintEscalation, severity.Value), (cause.Kind, cause.Severity));
        Assert.Equal(reasons, cause.Reasons);
    }

    /// <summary>An NPS answer among the events, the CSAT mean before and after, the tier; the reasons of the drop (none: no alert).</summary>
    public static TheoryData<int?, double?, double?, ValueTier, string[]> SatisfactionChanges => new()
    {
        { 6, null, null, ValueTier.C, ["detractor answer: NPS 6"] },
        { 0, 4.5, 4.5, ValueTier.C, ["detractor answer: NPS 0"] },
        { 7, null, null, ValueTier.A, [] },
        // Below the floor (3)...
        { null, 3.25, 2.75, ValueTier.C, ["CSAT fell from 3.3 to 2.8"] },
        { null, 3.0, 2.5, ValueTier.C, ["CSAT fell from 3.0 to 2.5"] },
        // ...or a fall of at least 1 at once...
        { null, 4.5, 3.5, ValueTier.C, ["CSAT fell from 4.5 to 3.5"] },
        // ...but not a smaller fall above the floor, nor one that was below it already, nor a first answer.
        { null, 4.5, 3.75, ValueTier.C, [] },
        { null, 2.5, 2.0, ValueTier.C, [] },
        { null, null, 1.0, ValueTier.C, [] },
        { null, 3.5, 4.5, ValueTier.C, [] },
        { 3, 4.5, 2.5, ValueTier.A, ["detractor answer: NPS 3", "CSAT fell from 4.5 to 2.5"] },
    };

    [Theory]
    [MemberData(nameof(SatisfactionChanges))]
    public void Satisfaction_drops_on_a_detractor_answer_or_a_csat_fall(int? nps, double? csatBefore, double? csatAfter, ValueTier tier, string[] reasons)
    {
        var (model, traits) = Customer();
        var after = traits with { Tier = tier, Satisfaction = traits.Satisfaction with { CsatMean = csatAfter } };

        var causes = AlertPolicy.Causes(new AlertPolicy.Before(csatBefore, new HashSet<string>()), after, [], [new EventFacts(null, nps)], model, Options, Now).ToList();

        if (reasons.Length == 0)
        {
            Assert.Empty(causes);
            return;
        }
        var cause = Assert.Single(causes);
        // The customer said so: a closed-loop follow-up for every tier, critical for tier A.
        Assert.Equal((AlertKind.SatisfactionDrop, tier == ValueTier.A ? AlertSeverity.Critical : AlertSeverity.Warning), (cause.Kind, cause.Severity));
        Assert.Equal(reasons, cause.Reasons);
    }

    [Fact]
    public void Several_causes_of_one_change_share_the_team_and_the_customers_context()
    {
        var (model, traits) = Customer(("region", "north"));
        var after = traits with { Tier = ValueTier.B };
        DecisionLogEntry[] changes =
        [
            new(Now, DecisionKind.Stage, "Loyal", "AtRisk", "silent"),
            new(Now, DecisionKind.Tier, "A", "B", "spend"),
        ];

        var causes = AlertPolicy.Causes(Unchanged, after, changes, [new EventFacts("t-1", 2)], model, Options, Now).ToList();

        Assert.Equal([AlertKind.ChurnWarning, AlertKind.TierChange, AlertKind.ComplaintEscalation, AlertKind.SatisfactionDrop], causes.Select(c => c.Kind));
        Assert.All(causes, c => Assert.Equal("north", c.Team));
        Assert.All(causes, c => Assert.Same(causes[0].Context, c.Context));
        var context = causes[0].Context;
        Assert.Equal((traits.Stage.ToString(), after.TierLabel, traits.ChurnRisk.Value, traits.TotalSpend), (context.Stage, context.Tier, context.ChurnRisk, context.TotalSpend));
        Assert.Equal(model.Purchases.LastPurchaseAt, context.LastPurchaseAt);
        Assert.Equal("north", context.Profile["region"]);
        Assert.Equal($"{traits.NextBestAction.Action}: {traits.NextBestAction.Reason}", context.NextBestAction);
    }

    /// <summary>
    /// The customer's region (null: none), and the team the alert goes to with north and south mapped to teams. Issue 15,
    /// item 4: a value the map does not list (sent by a channel) was a team of its own; with a map, only its teams exist.
    /// </summary>
    [Theory]
    [InlineData("north", "team-north")]
    [InlineData("NORTH", "team-north")]
    [InlineData("south", "team-south")]
    [InlineData("west", "unassigned")]
    [InlineData("team-north", "unassigned")]
    [InlineData("", "unassigned")]
    [InlineData(null, "unassigned")]
    public void The_team_is_the_customers_region_mapped_through_the_configured_teams(string? region, string team)
    {
        var (model, _) = region is null ? Customer() : Customer(("region", region));
        var options = new AlertOptions
        {
            Teams = new(StringComparer.OrdinalIgnoreCase) { ["north"] = "team-north", ["south"] = "team-south" },
        };
        Assert.Equal(team, AlertPolicy.TeamOf(model, options));
    }

    [Fact]
    public void The_team_attribute_is_configurable()
    {
        var (model, _) = Customer(("region", "north"), ("city", "Oslo"));
        Assert.Equal("Oslo", AlertPolicy.TeamOf(model, new AlertOptions { TeamAttribute = "City" }));
        Assert.Equal("nordics", AlertPolicy.TeamOf(model, new AlertOptions { TeamAttribute = "segment", DefaultTeam = "nordics" }));
        // Without a map, each value is its own team (the single-team embedded default).
        Assert.Equal("north", AlertPolicy.TeamOf(model, new AlertOptions()));
    }

    [Theory]
    [InlineData(ValueTier.A, AlertSeverity.Critical)]
    [InlineData(ValueTier.B, AlertSeverity.Warning)]
    [InlineData(ValueTier.C, null)]
    public void A_cancellation_is_a_retention_alert_critical_for_tier_A(ValueTier tier, AlertSeverity? severity)
    {
        var (model, traits) = Customer();
        model.Cancellation("moving abroad", Now);

        var causes = AlertPolicy.Causes(Unchanged, traits with { Tier = tier }, [], [new EventFacts(Cancelled: true)], model, Options, Now).ToList();

        if (severity is null)
        {
            Assert.Empty(causes);
            return;
        }
        var cause = Assert.Single(causes);
        Assert.Equal((AlertKind.Retention, severity.Value), (cause.Kind, cause.Severity));
        Assert.Equal(["cancelled: moving abroad"], cause.Reasons);
    }

    [Fact]
    public void A_cancellation_older_than_a_purchase_is_no_retention_alert()
    {
        var (model, traits) = Customer();
        model.Cancellation("changed mind", Day(3));
        Assert.Empty(AlertPolicy.Causes(Unchanged, traits with { Tier = ValueTier.A }, [], [new EventFacts(Cancelled: true)], model, Options, Now));
    }

    [Fact]
    public void A_customer_lapsed_beyond_the_horizon_gets_no_churn_warning_and_an_open_one_expires()
    {
        var (model, traits) = Customer();
        var lapsed = traits with { Tier = ValueTier.A, Stage = LifecycleStage.Lapsed, DaysSinceLastPurchase = 400 };
        var change = new DecisionLogEntry(Now, DecisionKind.Stage, "AtRisk", "Lapsed", "silent");

        Assert.Empty(AlertPolicy.Causes(Unchanged, lapsed, [change], [], model, Options, Now));
        Assert.Empty(AlertPolicy.Standing(lapsed, model, Options, Now));
        Assert.Equal("expired: lapsed for 400 days, moved to the win-back list", AlertPolicy.Cleared(AlertKind.ChurnWarning, lapsed, [], model, Options));
        // Within the horizon (180 days by default) the warning stands.
        var recent = lapsed with { DaysSinceLastPurchase = 170 };
        Assert.Null(AlertPolicy.Cleared(AlertKind.ChurnWarning, recent, [], model, Options));
        Assert.Equal(AlertKind.ChurnWarning, Assert.Single(AlertPolicy.Causes(Unchanged, recent, [change], [], model, Options, Now)).Kind);
    }

    /// <summary>Each kind's cause gone, in words; null while it holds.</summary>
    [Fact]
    public void An_open_alert_is_cleared_when_its_cause_is_gone_with_the_reason_in_words()
    {
        var (model, traits) = Customer();
        var a = traits with { Tier = ValueTier.A };

        // Churn warning: while at risk it holds; a stage out of AtRisk/Lapsed clears it.
        Assert.Null(AlertPolicy.Cleared(AlertKind.ChurnWarning, a with { Stage = LifecycleStage.AtRisk }, [], model, Options));
        Assert.Equal("condition cleared: stage Repeat again", AlertPolicy.Cleared(AlertKind.ChurnWarning, a with { Stage = LifecycleStage.Repeat }, [], model, Options));

        // Complaint escalation: holds while an overdue (or, for A and B, high-severity) complaint is open.
        OpenComplaint[] overdue = [new OpenComplaint("T-9", ComplaintSeverity.Medium, Now.AddDays(-9), 9, Overdue: true)];
        var open = a with { Satisfaction = a.Satisfaction with { OpenComplaints = overdue } };
        Assert.Null(AlertPolicy.Cleared(AlertKind.ComplaintEscalation, open, [], model, Options));
        Assert.Equal("condition cleared: complaint T-9 resolved",
            AlertPolicy.Cleared(AlertKind.ComplaintEscalation, a, [new EventFacts(ResolvedTicket: "T-9")], model, Options));

        // Satisfaction drop: a promoter answer, or a CSAT answer that brings the mean back to the floor, answers it.
        Assert.Equal("condition cleared: promoter answer (NPS 9)", AlertPolicy.Cleared(AlertKind.SatisfactionDrop, a, [new EventFacts(Nps: 9)], model, Options));
        Assert.Null(AlertPolicy.Cleared(AlertKind.SatisfactionDrop, a, [new EventFacts(Nps: 8)], model, Options));
        Assert.Null(AlertPolicy.Cleared(AlertKind.SatisfactionDrop, a, [], model, Options));
        var csatBack = a with { Satisfaction = a.Satisfaction with { CsatMean = 3.5 } };
        Assert.Equal("condition cleared: CSAT back to 3.5", AlertPolicy.Cleared(AlertKind.SatisfactionDrop, csatBack, [new EventFacts(Csat: 5)], model, Options));
        var csatLow = a with { Satisfaction = a.Satisfaction with { CsatMean = 2.5 } };
        Assert.Null(AlertPolicy.Cleared(AlertKind.SatisfactionDrop, csatLow, [new EventFacts(Csat: 4)], model, Options));

        // Retention: holds while the cancellation is in force; a later purchase clears it.
        model.Cancellation("too expensive", Now);
        Assert.Null(AlertPolicy.Cleared(AlertKind.Retention, a, [], model, Options));
        model.Purchase(Now.AddDays(1), 20, Rules);
        Assert.Equal("condition cleared: a purchase after the cancellation", AlertPolicy.Cleared(AlertKind.Retention, a, [], model, Options));
    }

    [Fact]
    public void A_tier_alert_for_leaving_A_holds_while_out_of_A_and_clears_back_in_A()
    {
        var (model, traits) = Customer();
        model.DecisionLog.Insert(0, new DecisionLogEntry(Now, DecisionKind.Tier, "A", "B", "spend fell"));
        var b = traits with { Tier = ValueTier.B };

        Assert.Null(AlertPolicy.Cleared(AlertKind.TierChange, b, [], model, Options));
        // A move is an event: after a backfill it is history, not a standing cause (a replay's ABC thresholds settle as it runs).
        Assert.DoesNotContain(AlertPolicy.Standing(b, model, Options, Now), c => c.Kind == AlertKind.TierChange);

        // Further down to C: still out of A.
        model.DecisionLog.Insert(0, new DecisionLogEntry(Now, DecisionKind.Tier, "B", "C", "spend fell"));
        Assert.Null(AlertPolicy.Cleared(AlertKind.TierChange, traits with { Tier = ValueTier.C }, [], model, Options));

        // Back in A.
        model.DecisionLog.Insert(0, new DecisionLogEntry(Now, DecisionKind.Tier, "C", "A", "spend rose"));
        Assert.Equal("condition cleared: tier A now", AlertPolicy.Cleared(AlertKind.TierChange, traits with { Tier = ValueTier.A }, [], model, Options));
    }

    /// <summary>What the first evaluation after a backfill raises: what holds now, whatever changed on the way.</summary>
    [Fact]
    public void Standing_causes_are_what_is_true_now()
    {
        var (model, traits) = Customer();
        Assert.Empty(AlertPolicy.Standing(traits with { Tier = ValueTier.A }, model, Options, Now));

        // Thirty days on, silence is a reason (on the day of a purchase it is none).
        var atRisk = model.Peek(Day(44), Population, Rules) with { Tier = ValueTier.B, Stage = LifecycleStage.AtRisk, DaysSinceLastPurchase = 30 };
        var warning = Assert.Single(AlertPolicy.Standing(atRisk, model, Options, Now));
        Assert.Equal((AlertKind.ChurnWarning, AlertSeverity.Warning, "Churn warning: AtRisk"), (warning.Kind, warning.Severity, warning.Title));

        // A tier C customer at risk is Info: nothing.
        Assert.Empty(AlertPolicy.Standing(atRisk with { Tier = ValueTier.C }, model, Options, Now));

        model.Cancellation("moving", Now);
        var unhappy = traits with { Tier = ValueTier.A, Satisfaction = traits.Satisfaction with { LastNps = 3 } };
        Assert.Equal([AlertKind.SatisfactionDrop, AlertKind.Retention], AlertPolicy.Standing(unhappy, model, Options, Now).Select(c => c.Kind));
    }

    /// <summary>
    /// A churn warning is work only when the money at risk (CLV × churn risk) reaches the floor: below it the customer
    /// is on the card and the worklist's at-risk list, not in the supervisors' queue. Both the live raise and what
    /// stands after a backfill follow it.
    /// </summary>
    [Fact]
    public void A_churn_warning_opens_only_when_the_money_at_risk_reaches_the_floor()
    {
        var (model, _) = Customer();
        var atRisk = model.Peek(Day(44), Population, Rules) with { Tier = ValueTier.A, Stage = LifecycleStage.AtRisk, DaysSinceLastPurchase = 30 };
        var loss = atRisk.Clv * atRisk.ChurnRisk.Value;
        Assert.True(loss > 0, "the customer has money at risk");

        Assert.Single(AlertPolicy.Standing(atRisk, model, new AlertOptions { MinExpectedLoss = loss }, Now), c => c.Kind == AlertKind.ChurnWarning);
        Assert.DoesNotContain(AlertPolicy.Standing(atRisk, model, new AlertOptions { MinExpectedLoss = loss + 0.01 }, Now), c => c.Kind == AlertKind.ChurnWarning);
        Assert.Equal(100, new AlertOptions().MinExpectedLoss);
    }

    /// <summary>A repeat buyer evaluated now, with the given profile.</summary>
    private static (CustomerModel Model, CustomerTraits Traits) Customer(params (string Name, string Value)[] profile)
    {
        var model = Buyer(Rules, 0, 7, 14);
        if (profile.Length > 0) model.ProfileUpdate(profile.ToDictionary(p => p.Name, p => p.Value), Day(1));
        return (model, model.Evaluate(Now, Population, Rules).Traits);
    }
}
