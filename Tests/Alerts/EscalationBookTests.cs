using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Grains.Alerts;
using Engagement.Grains.Customers;
using Engagement.Grains.Hosting;
using Engagement.Model;
using Engagement.Tests.Model;
using Microsoft.Extensions.Time.Testing;
using static Engagement.Tests.Customers.CustomerEvents;
using ModelSeverity = Engagement.Model.ComplaintSeverity;

namespace Engagement.Tests.Alerts;

/// <summary>
/// The customer's escalation bookkeeping: an overdue complaint is escalated once, a resolved one is forgotten,
/// and the customer is next looked at when its risk would rise or a complaint would become overdue.
/// </summary>
public sealed class EscalationBookTests
{
    private static readonly EngagementRules Rules = new();

    /// <summary>
    /// Days from the evaluation until the next risk crossing (null: none), the open complaints ("opened day,
    /// overdue" with days relative to the evaluation), and the day the customer is next looked at (null: never).
    /// The overdue limit is 7 days.
    /// </summary>
    public static TheoryData<double?, string, double?> NextLooks => new()
    {
        { null, "", null },
        { 30, "", 30 },
        { null, "-2", 5 },
        { 30, "-2", 5 },
        { 3, "-2", 3 },
        { 30, "-10 overdue; 0", 7 },
        { null, "-10 overdue", null },
        { 30, "0; -4; -1", 3 },
    };

    [Theory]
    [MemberData(nameof(NextLooks))]
    public void The_customer_is_next_looked_at_when_its_risk_rises_or_a_complaint_becomes_overdue(double? riskCrossing, string complaints, double? next)
    {
        var now = Start;
        var open = complaints.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select((c, i) => (Day: double.Parse(c.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), Overdue: c.EndsWith("overdue"), Ticket: $"t-{i}"))
            .Select(c => new OpenComplaint(c.Ticket, ModelSeverity.Low, now.AddDays(c.Day), -c.Day, c.Overdue))
            .ToArray();
        var traits = Evaluated(new CustomerModel(), now) with { NextRiskCrossing = riskCrossing is { } r ? now.AddDays(r) : null };
        traits = traits with { Satisfaction = traits.Satisfaction with { OpenComplaints = open } };

        Assert.Equal(next is { } n ? now.AddDays(n) : null, EscalationBook.NextLookAt(traits, Rules));
    }

    [Fact]
    public void The_overdue_limit_comes_from_the_rules()
    {
        var traits = Evaluated(new CustomerModel(), Start);
        traits = traits with { Satisfaction = traits.Satisfaction with { OpenComplaints = [new("t-1", ModelSeverity.High, Start, 0, false)] } };
        var rules = new EngagementRules { Satisfaction = { ComplaintOverdueDays = 2.5 } };
        Assert.Equal(Start.AddDays(2.5), EscalationBook.NextLookAt(traits, rules));
    }

    [Fact]
    public void Escalated_tickets_keep_the_overdue_open_ones_and_forget_the_rest()
    {
        var state = new CustomerState { EscalatedTickets = new(["t-1", "t-2"], StringComparer.Ordinal) };

        EscalationBook.Remember(state, [
            new("t-2", ModelSeverity.Low, Start, 9, Overdue: true),
            new("t-3", ModelSeverity.Medium, Start, 8, Overdue: true),
            new("t-4", ModelSeverity.High, Start, 1, Overdue: false),
        ]);

        Assert.Equal(["t-2", "t-3"], state.EscalatedTickets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Before_a_change_the_policy_sees_the_csat_as_of_now_and_the_tickets_escalated_so_far()
    {
        var clock = new FakeTimeProvider(Start);
        var state = new CustomerState { EscalatedTickets = new(["t-1"], StringComparer.Ordinal) };
        state.Apply(1, Of(new SurveyPayload(5, null), Start.AddDays(-2)), Start, Rules);
        state.Apply(2, Of(new SurveyPayload(2, null), Start.AddDays(-1)), Start, Rules);
        // Answered at a time still to come (a channel's clock ahead of ours): not yet part of the mean.
        state.Apply(3, Of(new SurveyPayload(1, null), Start.AddHours(1)), Start, Rules);

        var before = EscalationBook.Before(state, clock.GetUtcNow(), Rules);
        Assert.Equal(3.5, before.CsatMean);
        Assert.Same(state.EscalatedTickets, before.EscalatedTickets);

        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(8 / 3.0, EscalationBook.Before(state, clock.GetUtcNow(), Rules).CsatMean!.Value, precision: 10);
    }

    [Fact]
    public void An_open_complaint_is_escalated_once_when_it_becomes_overdue_and_forgotten_once_resolved()
    {
        var clock = new FakeTimeProvider(Start);
        var options = new AlertOptions();
        var state = new CustomerState();
        // Tier B (spend 140): its escalation is a Warning, work; a tier C customer's would be Info and open nothing.
        state.Apply(1, Purchase(140, Start.AddDays(-20)), Start, Rules);
        state.Apply(2, Of(new ComplaintOpenedPayload(Contracts.V1.ComplaintSeverity.Medium, "t-7"), Start), Start, Rules);

        // What the grain does after every change: the policy's causes against the state before, then the book.
        (IReadOnlyList<AlertCause> Causes, DateTimeOffset? Next) Change()
        {
            var now = clock.GetUtcNow();
            var before = EscalationBook.Before(state, now, Rules);
            var evaluation = state.Model.Evaluate(now, CustomerFixtures.Population, Rules);
            var causes = AlertPolicy.Causes(before, evaluation.Traits, evaluation.Changes, [], state.Model, options, now).ToList();
            EscalationBook.Remember(state, evaluation.Traits.Satisfaction.OpenComplaints);
            return (causes, EscalationBook.NextLookAt(evaluation.Traits, Rules));
        }
        static bool Escalates(IReadOnlyList<AlertCause> causes) => causes.Any(c => c.Kind == AlertKind.ComplaintEscalation);

        var (causes, next) = Change();
        Assert.False(Escalates(causes));
        Assert.NotNull(next);
        Assert.True(next <= Start.AddDays(7), $"next look {next:O}");

        clock.Advance(TimeSpan.FromDays(7.5));
        (causes, _) = Change();
        var escalation = Assert.Single(causes, c => c.Kind == AlertKind.ComplaintEscalation);
        Assert.Equal(["complaint t-7 (medium) open for 8 days"], escalation.Reasons);
        Assert.Equal(["t-7"], state.EscalatedTickets);

        clock.Advance(TimeSpan.FromDays(1));
        (causes, _) = Change();
        Assert.False(Escalates(causes));

        state.Apply(3, Of(new ComplaintResolvedPayload("t-7"), clock.GetUtcNow()), clock.GetUtcNow(), Rules);
        Change();
        Assert.Empty(state.EscalatedTickets);
    }

    private static CustomerTraits Evaluated(CustomerModel model, DateTimeOffset at)
    {
        model.Visit(at.AddDays(-1), Rules);
        return model.Evaluate(at, CustomerFixtures.Population, Rules).Traits;
    }
}
