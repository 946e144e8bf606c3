using Engagement.Contracts.Customers;
using Engagement.Grains.Customers;
using Engagement.Model;
using static Engagement.Tests.Customers.CustomerEvents;
using ModelSeverity = Engagement.Model.ComplaintSeverity;

namespace Engagement.Tests.Customers;

/// <summary>
/// The customer's checkpoint applying events: each payload reaches the model, the journal position and the
/// card's version follow, late events land where they happened, and a late profile value does not win.
/// </summary>
public sealed class CustomerStateTests
{
    private static readonly EngagementRules Rules = new();

    /// <summary>A payload, the recent event's type and summary, and what the model must show of it.</summary>
    public static TheoryData<string, string, string> Payloads => new()
    {
        { "purchase", "purchase", "purchase 19.90 USD (order o-7)" },
        { "refund", "refund", "refund 5.00 USD" },
        { "visit", "visit", "visit /p/42 (music)" },
        { "call", "call", "call 4.5 min, unresolved" },
        { "chat", "chat", "chat 2 min, resolved" },
        { "transferred chat", "chat", "chat 1 min, transferred" },
        { "email_open", "email_open", "email opened: spring" },
        { "email_click", "email_click", "email clicked: spring" },
        { "complaint_opened", "complaint_opened", "complaint opened (high), ticket t-1" },
        { "complaint_resolved", "complaint_resolved", "complaint resolved, ticket t-1" },
        { "csat", "survey", "survey: CSAT 2" },
        { "nps", "survey", "survey: NPS 9" },
        { "profile_update", "profile_update", "profile updated: city, region" },
        { "cancellation", "cancellation", "cancellation: moved abroad" },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Each_payload_reaches_the_model_and_the_recent_events(string kind, string type, string summary)
    {
        var state = new CustomerState();
        var recordedAt = Start.AddMinutes(5);
        var @event = Of(Payload(kind), Start, "e-1", "store");

        state.Apply(seq: 7, @event, recordedAt, Rules);

        Assert.True(state.Exists);
        Assert.Equal((7L, 1L, 1L, recordedAt), (state.LastSeq, state.Version, state.EventCount, state.UpdatedAt!.Value));
        Assert.Equal(new RecentEvent("e-1", type, "store", Start, summary), Assert.Single(state.RecentEvents));
        Assert.Equal(Start, state.Model.LastInteractionAt);
        ModelShows(kind, state.Model);
    }

    [Fact]
    public void The_version_and_the_journal_position_follow_every_event()
    {
        var state = new CustomerState();
        Assert.False(state.Exists);
        Assert.Equal((0L, 0L), (state.Version, state.LastSeq));

        for (var seq = 1; seq <= 5; seq++)
        {
            state.Apply(seq, Visit(Start.AddHours(seq)), Start.AddHours(seq), Rules);
            Assert.Equal((seq, (long)seq, (long)seq), (state.LastSeq, state.Version, state.EventCount));
        }
        // The version also rises with changes no event caused (the grain counts those); an event adds one to it.
        state.Version += 3;
        state.Apply(6, Visit(Start), Start.AddDays(1), Rules);
        Assert.Equal((6L, 9L, 6L), (state.LastSeq, state.Version, state.EventCount));
    }

    [Fact]
    public void Late_events_land_where_they_happened()
    {
        var state = new CustomerState();
        var seq = 0L;
        foreach (var (id, hours, amount) in new[] { ("b", 5, 20m), ("a", 1, 10m), ("d", 30, 40m), ("c", 6, 30m) })
        {
            state.Apply(++seq, Purchase(amount, Start.AddHours(hours), id), Start.AddDays(2).AddMinutes(seq), Rules);
        }

        Assert.Equal(["d", "c", "b", "a"], state.RecentEvents.Select(e => e.EventId));
        var purchases = state.Model.Purchases;
        Assert.Equal((Start.AddHours(1), Start.AddHours(30)), (purchases.FirstPurchaseAt!.Value, purchases.LastPurchaseAt!.Value));
        Assert.Equal((2, 4, 100m), (purchases.PurchaseDays, purchases.PurchaseCount, purchases.TotalSpend));
        // The journal order is what the state is "as of", not event time.
        Assert.Equal((4L, Start.AddDays(2).AddMinutes(4)), (state.LastSeq, state.UpdatedAt!.Value));
    }

    [Fact]
    public void Recent_events_keep_the_newest_by_event_time()
    {
        var state = new CustomerState();
        var limit = CustomerState.RecentEventLimit;
        for (var i = 0; i < limit + 5; i++) state.Apply(i + 1, Visit(Start.AddDays(i), $"v-{i}"), Start, Rules);

        Assert.Equal(limit, state.RecentEvents.Count);
        Assert.Equal($"v-{limit + 4}", state.RecentEvents[0].EventId);
        Assert.Equal("v-5", state.RecentEvents[^1].EventId);

        // Older than all it keeps: counted and applied, not listed.
        state.Apply(limit + 6, Visit(Start.AddDays(-1), "late"), Start, Rules);
        Assert.Equal(limit + 6, state.EventCount);
        Assert.DoesNotContain(state.RecentEvents, e => e.EventId == "late");

        // Late but among the newest: listed in its place, and the oldest drops out.
        state.Apply(limit + 7, Visit(Start.AddDays(20.5), "between"), Start, Rules);
        Assert.Equal("between", state.RecentEvents[4].EventId);
        Assert.Equal(limit, state.RecentEvents.Count);
        Assert.Equal("v-6", state.RecentEvents[^1].EventId);
    }

    [Fact]
    public void A_profile_value_older_than_the_one_held_does_not_replace_it()
    {
        var state = new CustomerState();
        state.Apply(1, Profile(Start.AddDays(2), ("Region", "north"), ("city", "Oslo")), Start, Rules);
        state.Apply(2, Profile(Start.AddDays(1), ("region", "south"), ("segment", "b2b")), Start, Rules);
        state.Apply(3, Profile(Start.AddDays(3), ("CITY", "Bergen")), Start, Rules);

        var profile = state.Model.Profile.ToDictionary(a => a.Key, a => a.Value.Value, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("north", profile["region"]);
        Assert.Equal("Bergen", profile["city"]);
        Assert.Equal("b2b", profile["segment"]);
        Assert.Equal(3, profile.Count);
        Assert.Equal(Start.AddDays(3), state.Model.Profile["city"].At);
    }

    [Fact]
    public void A_complaint_resolved_before_its_opening_arrives_is_not_open()
    {
        var state = new CustomerState();
        state.Apply(1, Of(new ComplaintResolvedPayload("t-9"), Start.AddDays(2)), Start, Rules);
        state.Apply(2, Of(new ComplaintOpenedPayload(Contracts.V1.ComplaintSeverity.Medium, "t-9"), Start.AddDays(1)), Start, Rules);

        var complaint = state.Model.Service.Complaints["t-9"];
        Assert.Equal(ModelSeverity.Medium, complaint.Severity);
        Assert.False(complaint.IsOpen);
        Assert.Empty(state.Model.Service.Snapshot(Start.AddDays(3), Rules.Satisfaction.ComplaintOverdueDays).OpenComplaints);
    }

    private static EventPayload Payload(string kind) => kind switch
    {
        "purchase" => new PurchasePayload(19.9m, "USD", "o-7"),
        "refund" => new RefundPayload(5m, "USD", ""),
        "visit" => new VisitPayload("/p/42", "music"),
        "call" => new CallPayload(TimeSpan.FromSeconds(270), Contracts.V1.ContactOutcome.Unresolved),
        "chat" => new ChatPayload(TimeSpan.FromMinutes(2), Contracts.V1.ContactOutcome.Resolved),
        "transferred chat" => new ChatPayload(TimeSpan.FromMinutes(1), Contracts.V1.ContactOutcome.Transferred),
        "email_open" => new EmailOpenPayload("spring"),
        "email_click" => new EmailClickPayload("spring"),
        "complaint_opened" => new ComplaintOpenedPayload(Contracts.V1.ComplaintSeverity.High, "t-1"),
        "complaint_resolved" => new ComplaintResolvedPayload("t-1"),
        "csat" => new SurveyPayload(2, null),
        "nps" => new SurveyPayload(null, 9),
        "profile_update" => new ProfileUpdatePayload(new Dictionary<string, string> { ["region"] = "north", ["city"] = "Oslo" }),
        "cancellation" => new CancellationPayload("moved abroad"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static void ModelShows(string kind, CustomerModel model)
    {
        var service = model.Service;
        switch (kind)
        {
            case "purchase":
                Assert.Equal((1, 19.9m, Start), (model.Purchases.PurchaseCount, model.Purchases.TotalSpend, model.Purchases.FirstPurchaseAt!.Value));
                break;
            case "refund": Assert.Equal(5m, model.Purchases.Refunded); break;
            case "visit": Assert.Equal(1, model.Visits); break;
            case "call":
                Assert.Equal(1, model.Contacts);
                Assert.Equal([Start], service.UnresolvedContacts);
                break;
            case "chat":
                Assert.Equal(1, model.Contacts);
                Assert.Equal(Start, service.LastResolvedContactAt);
                break;
            case "transferred chat":
                Assert.Equal(1, model.Contacts);
                Assert.Equal((null, 0), (service.LastResolvedContactAt, service.UnresolvedContacts.Count));
                break;
            case "email_open": Assert.Equal(1, model.EmailOpens); break;
            case "email_click": Assert.Equal(1, model.EmailClicks); break;
            case "complaint_opened":
                Assert.Equal((ModelSeverity.High, true), (service.Complaints["t-1"].Severity, service.Complaints["t-1"].IsOpen));
                break;
            case "complaint_resolved": Assert.Equal(Start, service.Complaints["t-1"].ResolvedAt); break;
            case "csat": Assert.Equal(2, Assert.Single(service.RecentCsat).Score); break;
            case "nps":
                Assert.Equal(9, service.LastNps!.Score);
                Assert.Empty(service.RecentCsat);
                break;
            case "profile_update": Assert.Equal("north", model.Profile["REGION"].Value); break;
            case "cancellation":
                Assert.Equal(("moved abroad", Start), (model.CancellationReason, model.CancelledAt!.Value));
                Assert.True(model.IsCancelled);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
