using Engagement.Model;
using static Engagement.Tests.Model.CustomerFixtures;

namespace Engagement.Tests.Model;

public sealed class LifecycleTests
{
    private static readonly EngagementRules Rules = new();

    /// <summary>Each scenario is a history; the stage after its last evaluation is what a user would see.</summary>
    public static TheoryData<string, LifecycleStage> Scenarios => new()
    {
        { "visit only", LifecycleStage.Prospect },
        { "one purchase", LifecycleStage.New },
        { "two purchase days", LifecycleStage.Repeat },
        { "four recent purchase days", LifecycleStage.Loyal },
        { "loyal with a high complaint", LifecycleStage.Repeat },
        { "repeat then ten weeks silent", LifecycleStage.AtRisk },
        { "repeat then twenty weeks silent", LifecycleStage.Lapsed },
        { "one-time buyer silent a month", LifecycleStage.AtRisk },
        { "lapsed then purchase", LifecycleStage.WonBack },
        { "won back then next evaluation", LifecycleStage.Repeat },
        { "cancellation", LifecycleStage.Churned },
        { "cancelled then purchase", LifecycleStage.WonBack },
        { "late purchase before cancellation", LifecycleStage.Churned },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Every_stage_transition(string scenario, LifecycleStage expected)
    {
        var customer = new CustomerModel { CustomerId = "c-1" };
        var now = Play(customer, scenario);
        Assert.Equal(expected, customer.Evaluate(now, Population, Rules).Traits.Stage);
        Assert.Equal(expected, customer.Stage);
    }

    [Fact]
    public void Won_back_is_logged_with_its_cause_and_lasts_one_evaluation()
    {
        var customer = Buyer(Rules, 0, 7, 14);
        customer.Evaluate(Day(14), Population, Rules);
        customer.Evaluate(Day(14 + 140), Population, Rules);
        Assert.Equal(LifecycleStage.Lapsed, customer.Stage);

        customer.Purchase(Day(155), 80, Rules);
        var wonBack = customer.Evaluate(Day(155), Population, Rules);
        var entry = Assert.Single(wonBack.Changes, c => c.Kind == DecisionKind.Stage);
        Assert.Equal(("Lapsed", "WonBack"), (entry.From, entry.To));
        Assert.Contains("Bought again after being lapsed", entry.Cause);
        Assert.Equal(ActionKind.Promotion, wonBack.Traits.NextBestAction.Kind);

        Assert.Equal(LifecycleStage.Repeat, customer.Evaluate(Day(156), Population, Rules).Traits.Stage);
    }

    private static DateTimeOffset Play(CustomerModel c, string scenario)
    {
        switch (scenario)
        {
            case "visit only":
                c.Visit(Day(0), Rules);
                return Day(1);
            case "one purchase":
                c.Purchase(Day(0), 50, Rules);
                return Day(1);
            case "two purchase days":
                c.Purchase(Day(0), 50, Rules);
                c.Purchase(Day(7), 50, Rules);
                return Day(7);
            case "four recent purchase days":
                foreach (var d in new[] { 0, 7, 14, 21 }) c.Purchase(Day(d), 50, Rules);
                return Day(21);
            case "loyal with a high complaint":
                foreach (var d in new[] { 0, 7, 14, 21 }) c.Purchase(Day(d), 50, Rules);
                c.Evaluate(Day(21), Population, Rules);
                c.ComplaintOpened("T-9", ComplaintSeverity.High, Day(21), Rules);
                return Day(21);
            case "repeat then ten weeks silent":
                foreach (var d in new[] { 0, 7, 14, 21 }) c.Purchase(Day(d), 50, Rules);
                c.Evaluate(Day(21), Population, Rules);
                return Day(21 + 70);
            case "repeat then twenty weeks silent":
                foreach (var d in new[] { 0, 7, 14, 21 }) c.Purchase(Day(d), 50, Rules);
                c.Evaluate(Day(21), Population, Rules);
                c.Evaluate(Day(21 + 70), Population, Rules);
                return Day(21 + 140);
            case "one-time buyer silent a month":
                c.Purchase(Day(0), 50, Rules);
                c.Evaluate(Day(0), Population, Rules);
                return Day(31);
            case "lapsed then purchase":
                Play(c, "repeat then twenty weeks silent");
                c.Evaluate(Day(21 + 140), Population, Rules);
                c.Purchase(Day(170), 50, Rules);
                return Day(170);
            case "won back then next evaluation":
                c.Evaluate(Play(c, "lapsed then purchase"), Population, Rules);
                return Day(171);
            case "cancellation":
                Play(c, "four recent purchase days");
                c.Evaluate(Day(21), Population, Rules);
                c.Cancellation("moved abroad", Day(25));
                return Day(25);
            case "cancelled then purchase":
                c.Evaluate(Play(c, "cancellation"), Population, Rules);
                c.Purchase(Day(40), 50, Rules);
                return Day(40);
            case "late purchase before cancellation":
                c.Evaluate(Play(c, "cancellation"), Population, Rules);
                c.Purchase(Day(24), 50, Rules); // arrives after the cancellation but happened before it
                return Day(26);
            default:
                throw new ArgumentException(scenario);
        }
    }
}

public sealed class ChurnRiskTests
{
    private static readonly EngagementRules Rules = new();

    public static TheoryData<string, ChurnReasonKind[]> Signals => new()
    {
        { "none", [ChurnReasonKind.Silence] },
        { "high complaint", [ChurnReasonKind.Silence, ChurnReasonKind.OpenHighSeverityComplaint] },
        { "medium complaint", [ChurnReasonKind.Silence, ChurnReasonKind.OpenMediumSeverityComplaint] },
        { "resolved complaint", [ChurnReasonKind.Silence] },
        { "detractor", [ChurnReasonKind.Silence, ChurnReasonKind.DetractorAnswer] },
        { "promoter", [ChurnReasonKind.Silence] },
        { "two unresolved contacts", [ChurnReasonKind.Silence, ChurnReasonKind.RepeatedUnresolvedContacts] },
        { "unresolved then resolved", [ChurnReasonKind.Silence] },
        { "cancellation", [ChurnReasonKind.Silence, ChurnReasonKind.Cancellation] },
        { "everything", [ChurnReasonKind.Silence, ChurnReasonKind.OpenHighSeverityComplaint, ChurnReasonKind.DetractorAnswer, ChurnReasonKind.RepeatedUnresolvedContacts] },
    };

    [Theory]
    [MemberData(nameof(Signals))]
    public void Lists_each_contribution_and_they_add_up(string signal, ChurnReasonKind[] expected)
    {
        var customer = Buyer(Rules, 0, 10, 20);
        var at = Day(30);
        switch (signal)
        {
            case "high complaint": customer.ComplaintOpened("T-1", ComplaintSeverity.High, Day(25), Rules); break;
            case "medium complaint": customer.ComplaintOpened("T-1", ComplaintSeverity.Medium, Day(25), Rules); break;
            case "resolved complaint":
                customer.ComplaintOpened("T-1", ComplaintSeverity.High, Day(25), Rules);
                customer.ComplaintResolved("T-1", Day(26));
                break;
            case "detractor": customer.Survey(SurveyKind.Nps, 4, Day(25), Rules); break;
            case "promoter": customer.Survey(SurveyKind.Nps, 9, Day(25), Rules); break;
            case "two unresolved contacts":
                customer.Contact(Day(24), ContactChannel.Call, TimeSpan.FromMinutes(5), ContactOutcome.Unresolved, Rules);
                customer.Contact(Day(26), ContactChannel.Chat, TimeSpan.FromMinutes(9), ContactOutcome.Unresolved, Rules);
                break;
            case "unresolved then resolved":
                customer.Contact(Day(24), ContactChannel.Call, TimeSpan.FromMinutes(5), ContactOutcome.Unresolved, Rules);
                customer.Contact(Day(25), ContactChannel.Call, TimeSpan.FromMinutes(5), ContactOutcome.Unresolved, Rules);
                customer.Contact(Day(27), ContactChannel.Call, TimeSpan.FromMinutes(5), ContactOutcome.Resolved, Rules);
                break;
            case "cancellation": customer.Cancellation("too expensive", Day(28)); break;
            case "everything":
                customer.ComplaintOpened("T-1", ComplaintSeverity.High, Day(25), Rules);
                customer.Survey(SurveyKind.Nps, 2, Day(25), Rules);
                customer.Contact(Day(24), ContactChannel.Call, TimeSpan.FromMinutes(5), ContactOutcome.Unresolved, Rules);
                customer.Contact(Day(26), ContactChannel.Chat, TimeSpan.FromMinutes(9), ContactOutcome.Unresolved, Rules);
                break;
        }

        var risk = customer.Peek(at, Population, Rules).ChurnRisk;
        Assert.Equal(expected, risk.Reasons.Select(r => r.Kind));
        Assert.Equal(risk.Value, risk.Reasons.Sum(r => r.Contribution), 1e-12);
        Assert.All(risk.Reasons, r => Assert.False(string.IsNullOrWhiteSpace(r.Detail)));

        var silence = 1 - customer.Peek(at, Population, Rules).ProbabilityAlive;
        var expectedRisk = 1 - (1 - silence) * risk.Reasons.Where(r => r.Kind != ChurnReasonKind.Silence).Aggregate(1.0, (s, r) => s * (1 - r.Weight));
        Assert.Equal(expectedRisk, risk.Value, 1e-12);
        if (signal == "cancellation") Assert.Equal(1, risk.Value);
    }

    [Fact]
    public void Silence_is_measured_against_the_customers_own_rhythm()
    {
        // Same 30 days of silence: alarming for a weekly buyer, ordinary for one who buys every two months.
        var weekly = Buyer(Rules, 0, 7, 14, 21, 28, 35);
        var bimonthly = Buyer(Rules, 0, 60, 120);
        var weeklyRisk = weekly.Peek(Day(65), Population, Rules).ChurnRisk.Value;
        var bimonthlyRisk = bimonthly.Peek(Day(150), Population, Rules).ChurnRisk.Value;
        Assert.True(weeklyRisk > bimonthlyRisk + 0.2, $"weekly {weeklyRisk}, bimonthly {bimonthlyRisk}");
    }

    [Fact]
    public void A_one_time_buyer_is_left_alone_when_the_rules_say_model_only()
    {
        var rules = new EngagementRules { Churn = { OneTimeBuyer = OneTimeBuyerSilence.ModelOnly } };
        var customer = Buyer(rules, 0);
        Assert.Equal(0, customer.Peek(Day(400), Population, rules).ChurnRisk.Value);
        Assert.Equal(0.5, customer.Peek(Day(30), Population, Rules).ChurnRisk.Value, 1e-12);
    }

    [Theory]
    [InlineData(new double[] { 0, 7, 14, 21 })]
    [InlineData(new double[] { 0, 30 })]
    [InlineData(new double[] { 0 })]
    public void Next_risk_crossing_is_the_first_day_the_risk_reaches_the_next_band(double[] purchaseDays)
    {
        var customer = Buyer(Rules, purchaseDays);
        var now = Day(purchaseDays[^1] + 1);
        var before = customer.Peek(now, Population, Rules);
        var crossing = customer.NextRiskCrossing(now, Population, Rules);

        Assert.NotNull(crossing);
        Assert.True(crossing > now);
        var threshold = before.ChurnRisk.Value < Rules.Stages.AtRiskThreshold ? Rules.Stages.AtRiskThreshold : Rules.Stages.LapsedThreshold;
        Assert.True(customer.Peek(crossing.Value, Population, Rules).ChurnRisk.Value >= threshold);
        Assert.True(customer.Peek(crossing.Value.AddTicks(-1), Population, Rules).ChurnRisk.Value < threshold);
    }

    [Fact]
    public void Nothing_to_schedule_for_a_prospect_or_a_customer_already_in_the_top_band()
    {
        var prospect = new CustomerModel();
        prospect.Visit(Day(0), Rules);
        Assert.Null(prospect.NextRiskCrossing(Day(1), Population, Rules));

        var cancelled = Buyer(Rules, 0, 7);
        cancelled.Cancellation("moved", Day(8));
        Assert.Null(cancelled.NextRiskCrossing(Day(9), Population, Rules));
    }
}
