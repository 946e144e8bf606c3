using Engagement.Contracts.Population;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Model;
using Wire = Engagement.Contracts.V1;
using ModelContactOutcome = Engagement.Model.ContactOutcome;
using ModelSeverity = Engagement.Model.ComplaintSeverity;
using Engagement.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Customers;

/// <summary>
/// The card the engine shows is the customer model's own answer: a customer's history is streamed
/// through gRPC at business times driven by a fake clock, and every computed field of the card is
/// checked against the library applied to the same history at the same times.
/// </summary>
public sealed class CardModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string> Segments = new()
    {
        ["big_spender"] = "total_spend >= 100",
        ["north_at_risk"] = "region = north and churn_risk > 0.3",
        ["unhappy"] = "nps_category = Detractor or open_complaints > 0",
    };

    [Fact]
    public async Task Every_computed_field_of_the_card_matches_the_library()
    {
        var clock = new FakeTimeProvider(Start);
        var settings = Segments.Select(s => new KeyValuePair<string, string>($"Engagement:Rules:Segments:{s.Key}", s.Value)).ToList();
        // The test evaluates the library at the times events arrive; the silence scheduler would add evaluations of its own.
        settings.Add(new("Engagement:Silence:PollInterval", "00:10:00"));
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: settings,
            services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));
        var rules = new EngagementRules { Segments = new Dictionary<string, string>(Segments, StringComparer.OrdinalIgnoreCase) };
        var population = PopulationStatistics.Empty;

        // A population to fit: 40 customers with a few purchase days each.
        var others = Enumerable.Range(0, 40).Select(i => $"pop-{i}-{Guid.NewGuid():N}").ToArray();
        var random = new Random(7);
        var batch = new EventBatch { BatchId = "population" };
        foreach (var (other, i) in others.Select((c, i) => (c, i)))
        {
            for (var d = 0; d < 1 + i % 5; d++)
            {
                batch.Events.Add(Events.Purchase(other, 5 + random.Next(200), Start.AddDays(-120 + d * (10 + i % 7))));
            }
        }
        foreach (var chunk in batch.Events.Chunk(TestLimitsForCards.BatchSize))
        {
            Assert.Equal(chunk.Length, (await engine.Client.Ingest().SubmitAsync(Events.Batch(chunk), cancellationToken: Ct)).Accepted);
        }

        var customer = $"card-{Guid.NewGuid():N}";
        var model = new CustomerModel { CustomerId = customer };
        var steps = History(customer);
        for (var i = 0; i < steps.Count; i++)
        {
            var (advance, wire, apply) = steps[i];
            clock.Advance(advance);
            if (i == 4)
            {
                // Midway, the population is refitted; the customer's next evaluations use it.
                var refitted = await engine.RefitPopulationAsync();
                population = refitted;
            }
            var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch(wire), cancellationToken: Ct);
            Assert.Equal(1, ack.Accepted);
            apply(model, rules);
            model.Evaluate(clock.GetUtcNow(), population, rules);
        }
        clock.Advance(TimeSpan.FromDays(20));

        var card = await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        var expected = model.Evaluate(clock.GetUtcNow(), population, rules).Traits;

        Assert.Equal(population.Version, card.PopulationVersion);
        Assert.Equal(clock.GetUtcNow(), card.EvaluatedAt.ToDateTimeOffset());
        Assert.Equal(expected.Stage.ToString(), card.Stage);
        Assert.Equal(model.StageSince, card.StageSince?.ToDateTimeOffset());
        Assert.Equal(expected.TierLabel, card.Tier);
        Assert.Equal(expected.Rfm?.Cell ?? "", card.RfmCell);
        Assert.Equal(expected.RfmGroup is { } g ? Rfm.DisplayName(g) : "", card.RfmGroup);
        Assert.NotEqual("", card.RfmCell);
        Assert.Equal(expected.Segments, card.Segments);
        Assert.NotEmpty(card.Segments);
        Assert.Equal(expected.Engagement, card.Engagement, 9);
        Assert.Equal(expected.Satisfaction.CsatMean, card.Satisfaction.HasCsatMean ? card.Satisfaction.CsatMean : null);
        Assert.Equal(expected.Satisfaction.LastNps, card.Satisfaction.HasLastNps ? card.Satisfaction.LastNps : null);
        Assert.Equal(expected.Satisfaction.NpsCategory?.ToString() ?? "", card.Satisfaction.NpsCategory);
        Assert.Equal(expected.Satisfaction.OpenComplaints.Select(c => (c.Ticket, c.Severity.ToString(), c.Overdue)),
            card.Satisfaction.OpenComplaints.Select(c => (c.TicketId, c.Severity, c.Overdue)));
        Assert.Equal(expected.ProbabilityAlive, card.PAlive, 9);
        Assert.Equal(expected.Clv, card.Clv, 6);
        Assert.Equal(expected.ExpectedPurchases, card.ExpectedPurchases, 9);
        Assert.Equal(expected.ChurnRisk.Value, card.ChurnRisk, 9);
        Assert.Equal(expected.ChurnRisk.Band.ToString(), card.RiskBand);
        Assert.Equal(expected.ChurnRisk.Reasons.Select(r => (r.Kind.ToString(), r.Detail)), card.ChurnReasons.Select(r => (r.Kind, r.Detail)));
        Assert.Equal(expected.ChurnRisk.Reasons.Select(r => r.Contribution), card.ChurnReasons.Select(r => r.Contribution), new ToleranceComparer(1e-9));
        Assert.True(card.ChurnReasons.Count >= 2, "the history has a detractor answer and an open complaint besides silence");
        Assert.Equal((expected.NextBestAction.Kind.ToString(), expected.NextBestAction.Action, expected.NextBestAction.Reason),
            (card.NextBestAction.Kind, card.NextBestAction.Action, card.NextBestAction.Reason));
        Assert.Equal(model.DecisionLog.Select(d => (d.At, d.Kind.ToString(), d.From, d.To, d.Cause)),
            card.DecisionLog.Select(d => (d.At.ToDateTimeOffset(), d.Kind, d.From, d.To, d.Cause)));
        Assert.Contains(card.DecisionLog, d => d.Kind == "Stage");
        Assert.Equal("north", card.Profile["region"]);
    }

    private static List<(TimeSpan Advance, Event Wire, Action<CustomerModel, EngagementRules> Apply)> History(string customer)
    {
        var steps = new List<(TimeSpan, Event, Action<CustomerModel, EngagementRules>)>();
        void Add(TimeSpan advance, Func<DateTimeOffset, Event> wire, Action<CustomerModel, EngagementRules, DateTimeOffset> apply)
        {
            var at = Start + steps.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Item1) + advance;
            steps.Add((advance, wire(at), (m, r) => apply(m, r, at)));
        }

        Event E(DateTimeOffset at, Action<Event> payload)
        {
            var e = new Event { EventId = Events.NewId(), CustomerId = customer, Channel = "web", OccurredAt = Timestamp.FromDateTimeOffset(at) };
            payload(e);
            return e;
        }

        Add(TimeSpan.FromHours(1), at => E(at, e => e.ProfileUpdate = new ProfileUpdate { Attributes = { ["region"] = "north", ["phone"] = "+15550001" } }),
            (m, _, at) => m.ProfileUpdate(new Dictionary<string, string> { ["region"] = "north", ["phone"] = "+15550001" }, at));
        Add(TimeSpan.FromHours(2), at => E(at, e => e.Visit = new Visit { Page = "/jazz" }), (m, r, at) => m.Visit(at, r));
        Add(TimeSpan.FromDays(1), at => E(at, e => e.Purchase = new Purchase { Amount = 60, Currency = "USD", OrderId = "o1" }), (m, r, at) => m.Purchase(at, 60, r));
        Add(TimeSpan.FromDays(9), at => E(at, e => e.Purchase = new Purchase { Amount = 45.5, Currency = "USD", OrderId = "o2" }), (m, r, at) => m.Purchase(at, 45.5m, r));
        Add(TimeSpan.FromDays(3), at => E(at, e => e.EmailClick = new EmailEngagement { Campaign = "spring" }), (m, r, at) => m.EmailClick(at, r));
        Add(TimeSpan.FromDays(12), at => E(at, e => e.Purchase = new Purchase { Amount = 30, Currency = "USD", OrderId = "o3" }), (m, r, at) => m.Purchase(at, 30, r));
        Add(TimeSpan.FromDays(2), at => E(at, e => e.Refund = new Refund { Amount = 10, OrderId = "o3" }), (m, _, at) => m.Refund(at, 10));
        Add(TimeSpan.FromDays(4), at => E(at, e => e.Call = new ServiceContact { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(7)), Outcome = Wire.ContactOutcome.Unresolved }),
            (m, r, at) => m.Contact(at, ContactChannel.Call, TimeSpan.FromMinutes(7), ModelContactOutcome.Unresolved, r));
        Add(TimeSpan.FromHours(5), at => E(at, e => e.ComplaintOpened = new ComplaintOpened { Severity = Wire.ComplaintSeverity.High, TicketId = "t-1" }),
            (m, r, at) => m.ComplaintOpened("t-1", ModelSeverity.High, at, r));
        Add(TimeSpan.FromDays(1), at => E(at, e => e.Survey = new Survey { Csat = 2 }), (m, r, at) => m.Survey(SurveyKind.Csat, 2, at, r));
        Add(TimeSpan.FromDays(1), at => E(at, e => e.Survey = new Survey { Nps = 3 }), (m, r, at) => m.Survey(SurveyKind.Nps, 3, at, r));
        Add(TimeSpan.FromDays(2), at => E(at, e => e.Chat = new ServiceContact { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(4)), Outcome = Wire.ContactOutcome.Unresolved }),
            (m, r, at) => m.Contact(at, ContactChannel.Chat, TimeSpan.FromMinutes(4), ModelContactOutcome.Unresolved, r));
        return steps;
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }

    private static class TestLimitsForCards
    {
        public const int BatchSize = 100;
    }
}
