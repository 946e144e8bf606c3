using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Customers;
using Engagement.Grains.Alerts;
using Engagement.Grains.Customers;
using Engagement.Grains.Hosting;
using Engagement.Model;
using Engagement.Gateway.Ingest;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireSeverity = Engagement.Contracts.V1.ComplaintSeverity;

namespace Engagement.Tests.Hardening;

/// <summary>
/// One customer cannot grow without bound (issue 15, item 1): whatever its channels send, the profile, the open
/// complaints, the alerts' context and the card stay within <c>Engagement:Limits</c>, and the card within what a
/// default gRPC client takes (4 MB).
/// </summary>
public sealed class BoundedStateTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private const int DefaultClientLimit = 4 * 1024 * 1024;

    private static readonly EngagementRules Rules = new();

    [Fact]
    public void An_empty_value_removes_the_attribute_and_an_older_update_does_not_bring_it_back()
    {
        var customer = new CustomerModel();
        customer.ProfileUpdate(new Dictionary<string, string> { ["region"] = "north", ["name"] = "Ada" }, Day);

        customer.ProfileUpdate(new Dictionary<string, string> { ["region"] = "" }, Day.AddHours(1));
        Assert.False(customer.ProfileValues().ContainsKey("region"));
        Assert.Equal("Ada", customer.ProfileValues()["name"]);

        customer.ProfileUpdate(new Dictionary<string, string> { ["region"] = "south" }, Day.AddMinutes(30));
        Assert.False(customer.ProfileValues().ContainsKey("region"));

        customer.ProfileUpdate(new Dictionary<string, string> { ["region"] = "south" }, Day.AddHours(2));
        Assert.Equal("south", customer.ProfileValues()["region"]);
    }

    [Fact]
    public void The_profile_keeps_at_most_the_limit_evicting_the_attributes_updated_longest_ago()
    {
        var customer = new CustomerModel();
        var limits = new CustomerLimits(MaxProfileAttributes: 100);
        // The flood: 70 updates of 64 new attributes each.
        for (var update = 0; update < 70; update++)
        {
            var attributes = Enumerable.Range(0, 64).ToDictionary(i => $"a{update}-{i}", _ => new string('x', 1000));
            customer.ProfileUpdate(attributes, Day.AddMinutes(update), limits);
        }

        Assert.Equal(100, customer.Profile.Count);
        // The newest update is whole; what went is the oldest.
        Assert.All(Enumerable.Range(0, 64), i => Assert.True(customer.Profile.ContainsKey($"a69-{i}")));
        Assert.DoesNotContain(customer.Profile.Keys, name => name.StartsWith("a0-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_profile_value_longer_than_the_limit_is_refused_at_the_edge_naming_the_attribute()
    {
        var engagement = new EngagementOptions { Limits = { MaxAttributeValueLength = 100 } };
        var validator = new EventValidator(Options.Create(new IngestOptions()), new FakeTimeProvider(Day), Options.Create(engagement));
        var update = new Contracts.V1.ProfileUpdate();
        update.Attributes["region"] = "north";
        update.Attributes["notes"] = new string('n', 101);
        var wire = new Contracts.V1.Event
        {
            EventId = "e-1", CustomerId = "c-1", Channel = "crm", OccurredAt = Timestamp.FromDateTimeOffset(Day), ProfileUpdate = update,
        };

        Assert.Null(validator.Validate(wire, out var error));
        Assert.Equal("profile_update.attributes[notes]", error!.Field);
        Assert.Equal("longer than 100 characters (Engagement:Limits:MaxAttributeValueLength)", error.Reason);

        update.Attributes["notes"] = new string('n', 100);
        Assert.NotNull(validator.Validate(wire, out error));
    }

    [Fact]
    public void Ten_thousand_distinct_high_complaints_leave_a_bounded_open_list_of_the_oldest()
    {
        var customer = new CustomerModel();
        for (var i = 0; i < 10_000; i++)
        {
            customer.ComplaintOpened($"t-{i}", Engagement.Model.ComplaintSeverity.High, Day.AddSeconds(i), Rules);
        }

        var open = customer.Service.Snapshot(Day.AddDays(1), Rules.Satisfaction.ComplaintOverdueDays).OpenComplaints;
        Assert.Equal(CustomerLimits.DefaultMaxOpenComplaints, open.Count);
        Assert.True(customer.Service.Complaints.Count <= CustomerLimits.DefaultMaxOpenComplaints);
        // The longest-waiting complaints are the ones kept: they are the most pressing.
        Assert.Equal("t-0", open[0].Ticket);

        // A low complaint when the list is full of high ones is the one forgotten.
        customer.ComplaintOpened("low", Engagement.Model.ComplaintSeverity.Low, Day, Rules);
        Assert.DoesNotContain(customer.Service.Complaints.Keys, t => t == "low");
    }

    [Fact]
    public void The_worst_case_card_at_the_default_limits_fits_a_default_grpc_client_and_an_alert_carries_no_profile()
    {
        var limits = new LimitsOptions();
        var state = new CustomerState();
        var seq = 0L;
        // Three bytes in UTF-8 each: the longest strings the edge lets through.
        string Longest(int length, int salt) => $"{salt:D6}{new string('€', length - 6)}";
        void Apply(EventPayload payload, DateTimeOffset at) =>
            state.Apply(++seq, new CustomerEvent(Longest(128, (int)seq), "crm", at, payload), at, Rules, limits.Customer);

        for (var update = 0; update < 70; update++)
        {
            var attributes = Enumerable.Range(0, 64).ToDictionary(i => Longest(64, update * 64 + i), _ => Longest(limits.MaxAttributeValueLength, update));
            Apply(new ProfileUpdatePayload(attributes), Day.AddMinutes(update));
        }
        Apply(new ProfileUpdatePayload(new Dictionary<string, string> { ["name"] = "Ada", ["region"] = "north" }), Day.AddHours(2));
        for (var i = 0; i < 10_000; i++) Apply(new ComplaintOpenedPayload(WireSeverity.High, Longest(128, i)), Day.AddHours(3));
        for (var i = 0; i < Rules.DecisionLogCapacity * 2; i++)
        {
            Apply(new ContactOutcomePayload(AlertOutcome.Reached, null, Longest(4000, i), Longest(128, i), null), Day.AddHours(4));
        }
        Apply(new CancellationPayload(Longest(1024, 1)), Day.AddHours(5));
        Apply(new SurveyPayload(null, 0), Day.AddHours(5));

        var asOf = Day.AddDays(1);
        var traits = state.Model.Evaluate(asOf, PopulationStatistics.Empty, Rules).Traits;
        var card = state.ToCard("c-worst", traits, 1, Rules, "USD").ToProto();

        Assert.Equal(limits.MaxProfileAttributes, card.Profile.Count);
        Assert.Equal(limits.MaxOpenComplaints, card.Satisfaction.OpenComplaints.Count);
        Assert.InRange(card.CalculateSize(), 1, DefaultClientLimit / 2);

        var alerts = new AlertOptions();
        var causes = AlertPolicy.Standing(traits, state.Model, alerts, asOf).ToList();
        Assert.NotEmpty(causes);
        Assert.All(causes, cause =>
        {
            Assert.Equal(new Dictionary<string, string> { ["name"] = "Ada", ["region"] = "north" }, cause.Context.Profile);
            Assert.InRange(cause.Reasons.Count, 1, AlertPolicy.MaxReasons);
        });
    }
}
