using Engagement.Contracts.Alerts;
using Engagement.Grains.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Model;
using static Engagement.Tests.Model.CustomerFixtures;

namespace Engagement.Tests.Alerts;

/// <summary>
/// Which changes a supervisor hears about and how loudly: each kind of alert from the change that calls for it,
/// severity following the customer's value, nothing for changes that do not matter.
/// </summary>
public sealed class AlertPolicyTests
{
    private static readonly EngagementRules Rules = new();
    private static readonly AlertOptions Options = new();
    private static readonly DateTimeOffset Now = Day(14);
    private static readonly AlertPolicy.Before Unchanged = new(null, new HashSet<string>());

    public static TheoryData<string, ValueTier, AlertSeverity?> StageChanges => new()
    {
        { nameof(LifecycleStage.AtRisk), ValueTier.A, AlertSeverity.Critical },
        { nameof(LifecycleStage.AtRisk), ValueTier.B, AlertSeverity.Warning },
        { nameof(LifecycleStage.Lapsed), ValueTier.C, AlertSeverity.Info },
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
        Assert.Equal(["silent for 60 days", .. traits.ChurnRisk.Reasons.Select(r => r.Detail)], cause.Reasons);
        Assert.Equal(Now, cause.At);
    }

    [Theory]
    [InlineData("B", "A", AlertSeverity.Warning)]
    [InlineData("A/Gold", "B/Silver", AlertSeverity.Warning)]
    [InlineData("C", "B", AlertSeverity.Info)]
    [InlineData("B", "C", AlertSeverity.Info)]
    public void A_tier_change_is_an_alert_louder_when_tier_A_is_involved(string from, string to, AlertSeverity severity)
    {
        var (model, traits) = Customer();
        var change = new DecisionLogEntry(Now, DecisionKind.Tier, from, to, "spend 600 crossed 500");

        var cause = Assert.Single(AlertPolicy.Causes(Unchanged, traits, [change], [], model, Options, Now));

        Assert.Equal((AlertKind.TierChange, severity, $"Tier change: {from} → {to}"), (cause.Kind, cause.Severity, cause.Title));
        Assert.Equal(["spend 600 crossed 500"], cause.Reasons);
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
        { ValueTier.C, false, true, false, AlertSeverity.Info, ["complaint t-2 (medium) open for 9 days"] },
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
        Assert.Equal((AlertKind.SatisfactionDrop, tier == ValueTier.A ? AlertSeverity.Warning : AlertSeverity.Info), (cause.Kind, cause.Severity));
        Assert.Equal(reasons, cause.Reasons);
    }

    [Fact]
    public void Several_causes_of_one_change_share_the_team_and_the_customers_context()
    {
        var (model, traits) = Customer(("region", "north"));
        var after = traits with { Tier = ValueTier.A };
        DecisionLogEntry[] changes =
        [
            new(Now, DecisionKind.Stage, "Loyal", "AtRisk", "silent"),
            new(Now, DecisionKind.Tier, "B", "A", "spend"),
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

    /// <summary>The customer's region (null: none), and the team the alert goes to with north and south mapped to teams.</summary>
    [Theory]
    [InlineData("north", "team-north")]
    [InlineData("NORTH", "team-north")]
    [InlineData("south", "team-south")]
    [InlineData("west", "west")]
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
    }

    /// <summary>A repeat buyer evaluated now, with the given profile.</summary>
    private static (CustomerModel Model, CustomerTraits Traits) Customer(params (string Name, string Value)[] profile)
    {
        var model = Buyer(Rules, 0, 7, 14);
        if (profile.Length > 0) model.ProfileUpdate(profile.ToDictionary(p => p.Name, p => p.Value), Day(1));
        return (model, model.Evaluate(Now, Population, Rules).Traits);
    }
}
