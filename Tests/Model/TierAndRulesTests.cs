using Engagement.Model;
using static Engagement.Tests.Model.CustomerFixtures;

namespace Engagement.Tests.Model;

public sealed class TierTests
{
    [Theory]
    [InlineData(50, "C")]
    [InlineData(100, "B")]
    [InlineData(499.99, "B")]
    [InlineData(500, "A")]
    public void Tier_follows_the_population_thresholds(double spend, string tier)
    {
        var rules = new EngagementRules();
        var customer = new CustomerModel();
        customer.Purchase(Day(0), (decimal)spend, rules);
        Assert.Equal(tier, customer.Evaluate(Day(1), Population, rules).Traits.Tier.ToString());
    }

    [Fact]
    public void Tier_changes_up_and_down_are_logged_newest_first()
    {
        var rules = new EngagementRules();
        var customer = new CustomerModel();
        customer.Purchase(Day(0), 50, rules);
        customer.Evaluate(Day(0), Population, rules);
        customer.Purchase(Day(1), 100, rules);
        customer.Evaluate(Day(1), Population, rules);
        customer.Purchase(Day(2), 400, rules);
        customer.Evaluate(Day(2), Population, rules);
        customer.Refund(Day(3), 500);
        customer.Evaluate(Day(3), Population, rules);

        var tiers = customer.DecisionLog.Where(e => e.Kind == DecisionKind.Tier).Select(e => $"{e.From}>{e.To}");
        Assert.Equal(["A>C", "B>A", "C>B"], tiers);
        Assert.Equal(ValueTier.C, customer.Tier);
    }

    [Fact]
    public void Clv_bands_refine_the_tier_when_enabled()
    {
        var rules = new EngagementRules { Tiers = { ClvBands = true, PlatinumMinClv = 1000, GoldMinClv = 500, SilverMinClv = 200 } };
        var customer = Buyer(rules, 0, 7, 14, 21);
        var traits = customer.Evaluate(Day(21), Population, rules).Traits;
        var expected = traits.Clv >= 1000 ? ClvBand.Platinum : traits.Clv >= 500 ? ClvBand.Gold : traits.Clv >= 200 ? ClvBand.Silver : ClvBand.Bronze;
        Assert.Equal(expected, traits.ClvBand);
        Assert.True(traits.Clv > 200, "four purchases of 50 plus a positive predicted value");
        Assert.Equal($"{traits.Tier}/{expected}", customer.DecisionLog.Single(e => e.Kind == DecisionKind.Tier).To);
    }

    [Fact]
    public void The_decision_log_is_bounded()
    {
        var rules = new EngagementRules { DecisionLogCapacity = 3 };
        var customer = Buyer(rules, 0, 7, 14, 21);
        for (var week = 4; week < 40; week += 4)
        {
            customer.Evaluate(Day(7 * week), Population, rules);
            customer.Purchase(Day(7 * week), 50, rules);
        }

        Assert.Equal(3, customer.DecisionLog.Count);
        Assert.True(customer.DecisionLog.Zip(customer.DecisionLog.Skip(1)).All(p => p.First.At >= p.Second.At));
    }
}

public sealed class EvaluationTests
{
    [Fact]
    public void Evaluation_fills_the_card_consistently_with_the_models()
    {
        var rules = new EngagementRules { Segments = { ["north_regulars"] = "region = north and purchase_days >= 3", ["vip"] = "tier = A" } };
        var customer = Buyer(rules, 0, 7, 14);
        customer.ProfileUpdate(new Dictionary<string, string> { ["region"] = "north" }, Day(1));
        customer.ProfileUpdate(new Dictionary<string, string> { ["region"] = "south" }, Day(0)); // older: ignored
        customer.EmailClick(Day(14), rules);

        var traits = customer.Evaluate(Day(20), Population, rules).Traits;
        var unit = Population.ModelTimeUnitDays;

        Assert.Equal(2, traits.Frequency);
        Assert.Equal(Engagement.Model.Clv.BgNbd.ProbabilityAlive(Population.BgNbd!, 2, 14 / unit, 20 / unit), traits.ProbabilityAlive, 1e-12);
        Assert.Equal(Engagement.Model.Clv.BgNbd.ExpectedPurchases(Population.BgNbd!, 365 / unit, 2, 14 / unit, 20 / unit), traits.ExpectedPurchases, 1e-9);
        Assert.Equal(150 + traits.PredictedValue, traits.Clv, 1e-9);
        Assert.Equal(new RfmScore(5, 4, 4), traits.Rfm); // 6 days silent; 3 purchase days > cut 2; spend 150 > cut 100
        Assert.Equal(RfmGroup.Champions, traits.RfmGroup);
        Assert.Equal(ValueTier.B, traits.Tier);
        Assert.Equal(["north_regulars"], traits.Segments);
        Assert.Equal(ActionKind.Promotion, traits.NextBestAction.Kind);
        Assert.Equal(new EngagementRules().Actions.Promotion, traits.NextBestAction.Action);
        var expectedEngagement = new[] { 0.0, 7, 14 }.Sum(d => 10 * Math.Pow(2, -(20 - d) / 30)) + 3 * Math.Pow(2, -6 / 30.0);
        Assert.Equal(expectedEngagement, traits.Engagement, 1e-9);
    }

    [Theory]
    [InlineData("A", "at risk", ActionKind.RetentionCareCall)]
    [InlineData("B", "at risk", ActionKind.RetentionOffer)]
    [InlineData("B", "high complaint", ActionKind.FixComplaint)]
    [InlineData("A", "active", ActionKind.Vip)]
    [InlineData("C", "active", ActionKind.WakeUp)]
    [InlineData("C", "lapsed", ActionKind.WinBack)]
    [InlineData("C", "prospect", ActionKind.Welcome)]
    public void Next_best_action_follows_the_strategies(string tier, string situation, ActionKind expected)
    {
        var rules = new EngagementRules();
        var customer = new CustomerModel();
        var amount = tier switch { "A" => 200m, "B" => 50m, _ => 10m };
        var now = Day(21);
        if (situation != "prospect") foreach (var d in new[] { 0, 7, 14, 21 }) customer.Purchase(Day(d), amount, rules);
        else customer.Visit(Day(0), rules);
        if (situation == "at risk") now = Day(21 + 70);
        if (situation == "lapsed") now = Day(21 + 200);
        if (situation == "high complaint") customer.ComplaintOpened("T-5", ComplaintSeverity.High, Day(20), rules);
        if (situation == "active" && tier == "C") customer.ComplaintOpened("T-6", ComplaintSeverity.Low, Day(20), rules);

        var action = customer.Evaluate(now, Population, rules).Traits.NextBestAction;
        Assert.Equal(expected, action.Kind);
        Assert.False(string.IsNullOrWhiteSpace(action.Reason));
    }
}

public sealed class RulesValidationTests
{
    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(new EngagementRules().Validate());

    [Theory]
    [InlineData("TimeZone", "Engagement:Rules:TimeZone = Mars/Olympus")]
    [InlineData("HalfLife", "Engagement:Rules:Engagement:HalfLifeDays = 0: must be a positive number")]
    [InlineData("Thresholds", "Engagement:Rules:Stages:LapsedThreshold = 0.4: must be above Stages:AtRiskThreshold (0.5)")]
    [InlineData("Shares", "AShare + BShare must not exceed 1")]
    [InlineData("Weight", "Engagement:Rules:Churn:DetractorAnswer = 1.5: must be between 0 and 1")]
    [InlineData("Segment", "Engagement:Rules:Segments:broken = \"tier = \": expected a value (number, 'text' or word) but found the end of the rule at position 8.")]
    [InlineData("Action", "Engagement:Rules:Actions:Vip = (null): must not be empty")]
    [InlineData("Bands", "CLV bands need Platinum > Gold > Silver >= 0")]
    public void An_invalid_rule_set_yields_clear_errors(string broken, string expected)
    {
        var rules = new EngagementRules();
        switch (broken)
        {
            case "TimeZone": rules.TimeZone = "Mars/Olympus"; break;
            case "HalfLife": rules.Engagement.HalfLifeDays = 0; break;
            case "Thresholds": rules.Stages.LapsedThreshold = 0.4; break;
            case "Shares": rules.Tiers.BShare = 0.5; break;
            case "Weight": rules.Churn.DetractorAnswer = 1.5; break;
            case "Segment": rules.Segments["broken"] = "tier = "; break;
            case "Action": rules.Actions.Vip = null!; break;
            case "Bands": rules.Tiers = new TierRules { ClvBands = true, PlatinumMinClv = 100, GoldMinClv = 500 }; break;
        }

        var errors = rules.Validate();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var rules = new EngagementRules { DecisionLogCapacity = 0, Engagement = { HalfLifeDays = -1 }, Stages = { AtRiskThreshold = 2 } };
        Assert.True(rules.Validate().Count >= 3);
    }
}

public sealed class PersistenceTests
{
    [Fact]
    public void Customer_and_population_survive_a_json_round_trip()
    {
        var rules = new EngagementRules();
        var customer = Buyer(rules, 0, 7, 14);
        customer.ProfileUpdate(new Dictionary<string, string> { ["Region"] = "north" }, Day(1));
        customer.ComplaintOpened("T-1", ComplaintSeverity.High, Day(15), rules);
        customer.Survey(SurveyKind.Csat, 4, Day(15), rules);
        customer.Evaluate(Day(16), Population, rules);

        var restored = System.Text.Json.JsonSerializer.Deserialize<CustomerModel>(System.Text.Json.JsonSerializer.Serialize(customer))!;
        var population = System.Text.Json.JsonSerializer.Deserialize<PopulationStatistics>(System.Text.Json.JsonSerializer.Serialize(Population))!;

        var expected = customer.Peek(Day(40), Population, rules);
        var actual = restored.Peek(Day(40), population, rules);
        Assert.Equal(expected with { Satisfaction = null!, ChurnRisk = null!, Segments = [] }, actual with { Satisfaction = null!, ChurnRisk = null!, Segments = [] });
        Assert.Equal(expected.ChurnRisk.Value, actual.ChurnRisk.Value);
        Assert.Equal(expected.Satisfaction.OpenComplaints, actual.Satisfaction.OpenComplaints);
        Assert.Equal(customer.DecisionLog, restored.DecisionLog);
        Assert.True(restored.Profile.ContainsKey("region"));
    }
}
