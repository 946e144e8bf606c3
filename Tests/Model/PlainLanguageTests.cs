using Engagement.Model;
using static Engagement.Tests.Model.CustomerFixtures;

namespace Engagement.Tests.Model;

/// <summary>
/// What the card and the alerts say in words (issue 14's "plain language"): chances as "1 in 5", no silence reason on
/// the day of a purchase, the decision log dated when the events happened, and an engagement score that explains itself.
/// </summary>
public sealed class PlainLanguageTests
{
    [Theory]
    [InlineData(0.22, "about 1 in 5 chance still active")]
    [InlineData(0.10, "about 1 in 10 chance still active")]
    [InlineData(0.70, "about 7 in 10 chance still active")]
    [InlineData(0.97, "almost certainly still active")]
    [InlineData(0.01, "almost certainly gone")]
    public void Chances_read_as_odds(double probability, string words) => Assert.Equal(words, PlainWords.ChanceStillActive(probability));

    [Fact]
    public void A_repeat_customers_silence_reads_as_days_purchases_and_odds()
    {
        var rules = new EngagementRules();
        var customer = Buyer(rules, 0, 20, 40);

        var silence = customer.Evaluate(Day(300), Population, rules).Traits.ChurnRisk.Reasons.Single(r => r.Kind == ChurnReasonKind.Silence);

        Assert.StartsWith("No purchase for 260 days after 3 purchases; ", silence.Detail, StringComparison.Ordinal);
        Assert.EndsWith("chance still active", silence.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("P(alive)", silence.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void On_the_day_of_a_purchase_silence_is_no_reason()
    {
        var rules = new EngagementRules();
        var customer = Buyer(rules, 0, 20, 40);

        var risk = customer.Evaluate(Day(40).AddHours(2), Population, rules).Traits.ChurnRisk;

        Assert.DoesNotContain(risk.Reasons, r => r.Kind == ChurnReasonKind.Silence);
        Assert.Equal(0, risk.Value);
    }

    [Fact]
    public void A_decision_caused_by_events_is_dated_when_they_happened_not_when_they_were_processed()
    {
        var rules = new EngagementRules();
        var customer = Buyer(rules, 0);
        var processedAt = Day(400);

        customer.Evaluate(processedAt, Population, rules, causedAt: Day(0));

        var first = Assert.Single(customer.DecisionLog, d => d.Kind == DecisionKind.Stage);
        Assert.Equal(Day(0), first.At);
        Assert.Equal(Day(0), customer.StageSince);
    }

    [Fact]
    public void A_cause_dated_after_the_evaluation_is_dated_at_the_evaluation()
    {
        var rules = new EngagementRules();
        var customer = Buyer(rules, 0);

        customer.Evaluate(Day(1), Population, rules, causedAt: Day(5));

        Assert.All(customer.DecisionLog, d => Assert.Equal(Day(1), d.At));
    }

    [Fact]
    public void The_engagement_score_keeps_what_moved_it_so_ten_to_zero_after_a_complaint_explains_itself()
    {
        var rules = new EngagementRules();
        var customer = new CustomerModel { CustomerId = "c-1" };

        customer.Purchase(Day(0), 50, rules);
        customer.Survey(SurveyKind.Csat, 4, Day(0).AddMinutes(1), rules);
        customer.ComplaintOpened("T-1", ComplaintSeverity.High, Day(0).AddMinutes(2), rules);

        Assert.Equal(0, customer.Engagement.ValueAt(Day(0).AddMinutes(2), rules.Engagement.HalfLifeDays), 1e-9);
        Assert.Equal(
            [("high-severity complaint", -10.0, 0.0), ("purchase", 10.0, 10.0)],
            customer.Engagement.Recent.Select(c => (c.Cause, c.Points, Math.Round(c.ScoreAfter, 6))));
    }

    [Fact]
    public void Engagement_contributions_are_newest_first_by_event_time_and_bounded()
    {
        var score = new EngagementScore();
        for (var day = 0; day < EngagementScore.RecentCapacity + 3; day++) score.Add(Day(day), 1, 30, $"visit {day}");
        score.Add(Day(2.5), 2, 30, "late click");

        Assert.Equal(EngagementScore.RecentCapacity, score.Recent.Count);
        Assert.Equal("visit 8", score.Recent[0].Cause);
        Assert.True(score.Recent.Zip(score.Recent.Skip(1)).All(p => p.First.At >= p.Second.At), "newest first");
        Assert.DoesNotContain(score.Recent, c => c.Cause == "late click"); // older than everything kept
    }
}
