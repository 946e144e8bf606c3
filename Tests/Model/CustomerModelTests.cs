using Engagement.Model;
using static Engagement.Tests.Model.CustomerFixtures;

namespace Engagement.Tests.Model;

public sealed class EngagementScoreTests
{
    [Theory]
    [InlineData(30, 30, 40, 20)]
    [InlineData(30, 60, 40, 10)]
    [InlineData(10, 10, 80, 40)]
    [InlineData(30, 0, 40, 40)]
    public void Decays_by_half_every_half_life(double halfLife, double elapsedDays, double points, double expected)
    {
        var score = new EngagementScore();
        score.Add(Start, points, halfLife);
        Assert.Equal(expected, score.ValueAt(Start.AddDays(elapsedDays), halfLife), 1e-9);
    }

    [Fact]
    public void Late_events_count_as_if_they_had_arrived_in_order()
    {
        var inOrder = new EngagementScore();
        inOrder.Add(Day(0), 20, 30);
        inOrder.Add(Day(10), 5, 30);
        inOrder.Add(Day(20), 10, 30);

        var late = new EngagementScore();
        late.Add(Day(20), 10, 30);
        late.Add(Day(0), 20, 30);
        late.Add(Day(10), 5, 30);

        Assert.Equal(inOrder.ValueAt(Day(45), 30), late.ValueAt(Day(45), 30), 1e-9);
    }

    [Fact]
    public void Stays_between_zero_and_a_hundred()
    {
        var score = new EngagementScore();
        for (var i = 0; i < 30; i++) score.Add(Day(0), 10, 30);
        Assert.Equal(100, score.ValueAt(Day(0), 30));
        score.Add(Day(1), -500, 30);
        Assert.Equal(0, score.ValueAt(Day(1), 30));
    }
}

public sealed class SatisfactionTests
{
    [Theory]
    [InlineData(0, NpsCategory.Detractor)]
    [InlineData(6, NpsCategory.Detractor)]
    [InlineData(7, NpsCategory.Passive)]
    [InlineData(8, NpsCategory.Passive)]
    [InlineData(9, NpsCategory.Promoter)]
    [InlineData(10, NpsCategory.Promoter)]
    public void Nps_categories(int score, NpsCategory category) => Assert.Equal(category, SatisfactionSnapshot.CategoryOf(score));

    [Fact]
    public void Csat_is_the_mean_of_the_most_recent_answers_by_event_time()
    {
        var rules = new EngagementRules { Satisfaction = { CsatWindow = 3 } };
        var customer = new CustomerModel();
        customer.Survey(SurveyKind.Csat, 5, Day(1), rules);
        customer.Survey(SurveyKind.Csat, 1, Day(4), rules);
        customer.Survey(SurveyKind.Csat, 2, Day(3), rules);
        customer.Survey(SurveyKind.Csat, 3, Day(2), rules);
        customer.Survey(SurveyKind.Csat, 4, Day(0), rules); // late and older than the window: ignored

        var satisfaction = customer.Peek(Day(5), Population, rules).Satisfaction;
        Assert.Equal((1 + 2 + 3) / 3.0, satisfaction.CsatMean!.Value, 1e-12);
        Assert.Equal(3, satisfaction.CsatAnswers);
    }

    [Fact]
    public void The_last_nps_answer_by_event_time_sets_the_category()
    {
        var rules = new EngagementRules();
        var customer = new CustomerModel();
        customer.Survey(SurveyKind.Nps, 3, Day(5), rules);
        customer.Survey(SurveyKind.Nps, 10, Day(2), rules); // arrives late
        var satisfaction = customer.Peek(Day(6), Population, rules).Satisfaction;
        Assert.Equal(3, satisfaction.LastNps);
        Assert.Equal(NpsCategory.Detractor, satisfaction.NpsCategory);
    }

    [Fact]
    public void Open_complaints_carry_severity_and_age_and_a_resolution_that_arrives_first_wins()
    {
        var rules = new EngagementRules();
        var customer = new CustomerModel();
        customer.ComplaintOpened("T-1", ComplaintSeverity.Low, Day(0), rules);
        customer.ComplaintOpened("T-2", ComplaintSeverity.High, Day(2), rules);
        customer.ComplaintResolved("T-3", Day(4));
        customer.ComplaintOpened("T-3", ComplaintSeverity.Medium, Day(3), rules); // late open of a resolved ticket

        var open = customer.Peek(Day(10), Population, rules).Satisfaction.OpenComplaints;
        Assert.Equal(["T-2", "T-1"], open.Select(c => c.Ticket));
        Assert.Equal(ComplaintSeverity.High, open[0].Severity);
        Assert.Equal(8, open[0].AgeDays, 1e-9);
        Assert.True(open[1].Overdue);
    }

    [Theory]
    [InlineData(SurveyKind.Csat, 0)]
    [InlineData(SurveyKind.Csat, 6)]
    [InlineData(SurveyKind.Nps, -1)]
    [InlineData(SurveyKind.Nps, 11)]
    public void Out_of_range_answers_are_refused(SurveyKind kind, int score) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CustomerModel().Survey(kind, score, Start, new EngagementRules()));
}

public sealed class PurchaseSummaryTests
{
    [Fact]
    public void Groups_purchases_by_day_and_keeps_late_events_in_event_time()
    {
        var calendar = PurchaseCalendar.Utc;
        var summary = new PurchaseSummary();
        summary.AddPurchase(Day(10), 30, calendar);
        summary.AddPurchase(Day(10.2), 20, calendar);
        summary.AddPurchase(Day(30), 40, calendar);
        summary.AddPurchase(Day(0), 10, calendar); // late: becomes the first purchase day
        summary.AddRefund(20);

        Assert.Equal(2, summary.Frequency);
        Assert.Equal(30, summary.RecencyDays(calendar));
        Assert.Equal(40, summary.AgeDays(Day(40), calendar));
        Assert.Equal(80m, summary.TotalSpend);
        Assert.Equal(10m, summary.FirstDaySpend);
        // Repeat days spent 50 + 40 = 90 of 100 gross; net of refunds that is 90 · 0.8 = 72 over 2 repeat days.
        Assert.Equal(36m, summary.MeanRepeatSpend);
    }

    [Fact]
    public void Days_follow_the_business_time_zone()
    {
        var tokyo = new PurchaseCalendar(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        var summary = new PurchaseSummary();
        summary.AddPurchase(new DateTimeOffset(2024, 1, 1, 14, 0, 0, TimeSpan.Zero), 10, tokyo); // 23:00 in Tokyo
        summary.AddPurchase(new DateTimeOffset(2024, 1, 1, 16, 0, 0, TimeSpan.Zero), 10, tokyo); // 01:00 next day
        Assert.Equal(1, summary.Frequency);
        var secondDay = tokyo.DayOf(new DateTimeOffset(2024, 1, 1, 16, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 15, 0, 0, TimeSpan.Zero), tokyo.StartOfDay(secondDay));
    }
}
