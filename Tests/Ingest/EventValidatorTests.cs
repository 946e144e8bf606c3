using Engagement.Contracts.Customers;
using Engagement.Gateway.Ingest;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Wire = Engagement.Contracts.V1;

namespace Engagement.Tests.Ingest;

/// <summary>
/// The ingest edge on its own: every wire payload becomes the domain's event, and every fault is named by its
/// field and reason, with the limits the options set and "now" from the engine's clock.
/// </summary>
public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Kinds => new()
    {
        "purchase", "refund", "visit", "call", "chat", "email_open", "email_click",
        "complaint_opened", "complaint_resolved", "csat", "nps", "profile_update", "cancellation",
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_wire_payload_becomes_the_domains_event(string kind)
    {
        var (wire, expected) = Valid(kind);

        var @event = Validator().Validate(wire, out var error);

        Assert.Null(error);
        Assert.NotNull(@event);
        Assert.Equal(("e-1", "app", Now.AddHours(-1)), (@event.EventId, @event.Channel, @event.OccurredAt));
        if (expected is ProfileUpdatePayload profile)
        {
            Assert.Equal(profile.Attributes, Assert.IsType<ProfileUpdatePayload>(@event.Payload).Attributes);
        }
        else
        {
            Assert.Equal(expected, @event.Payload);
        }
    }

    [Theory]
    [InlineData(19.99, "19.99")]
    [InlineData(0.123456, "0.1235")]
    [InlineData(2.00005, "2.0000")]
    [InlineData(2.00015, "2.0002")]
    [InlineData(0, "0")]
    [InlineData(1e15, "1000000000000000")]
    public void An_amount_is_kept_to_four_decimals(double amount, string kept)
    {
        var wire = Event(e => e.Purchase = new Wire.Purchase { Amount = amount });
        var purchase = Assert.IsType<PurchasePayload>(Validator().Validate(wire, out _)?.Payload);
        Assert.Equal(decimal.Parse(kept, System.Globalization.CultureInfo.InvariantCulture), purchase.Amount);
    }

    /// <summary>Seconds of the event time after now (plus nanoseconds), the allowed skew in seconds, and whether it is refused.</summary>
    [Theory]
    [InlineData(0, 0, 300, false)]
    [InlineData(300, 0, 300, false)]
    [InlineData(300, 1000, 300, true)]
    [InlineData(1, 0, 0, true)]
    [InlineData(0, 0, 0, false)]
    [InlineData(-946_080_000, 0, 0, false)]
    public void An_event_time_may_lie_at_most_the_allowed_skew_ahead_of_the_clock(long seconds, int nanos, int skew, bool refused)
    {
        var at = Timestamp.FromDateTimeOffset(Now.AddSeconds(seconds));
        at.Nanos = nanos;

        var @event = Validator(new IngestOptions { MaxFutureSkew = TimeSpan.FromSeconds(skew) }).Validate(Event(e => e.OccurredAt = at), out var error);

        Assert.Equal(refused, @event is null);
        if (refused)
        {
            Assert.Equal("occurred_at", error!.Field);
            Assert.StartsWith($"more than {skew} s in the future", error.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_future_is_measured_by_the_engines_clock()
    {
        var clock = new FakeTimeProvider(Now);
        var validator = Validator(clock: clock);
        var wire = Event(e => e.OccurredAt = Timestamp.FromDateTimeOffset(Now.AddHours(1)));

        Assert.Null(validator.Validate(wire, out var error));
        Assert.Contains($"allowed up to {Now.AddMinutes(5):O}", error!.Reason, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(55));
        Assert.NotNull(validator.Validate(wire, out error));
        Assert.Null(error);
    }

    /// <summary>A fault, the field named and the start of the reason; each with the default limits but an id limit of 16.</summary>
    public static TheoryData<string, string, string> Faults => new()
    {
        { "event_id of whitespace", "event_id", "required" },
        { "event_id at the limit", "", "" },
        { "event_id over the limit", "event_id", "longer than 16 characters" },
        { "event_id with a control character", "event_id", "contains control characters" },
        { "customer_id with a newline", "customer_id", "contains control characters" },
        { "channel with a space", "channel", "use letters, digits" },
        { "channel of 65 characters", "channel", "longer than 64 characters" },
        { "channel with a path", "", "" },
        { "channel climbing out of a path", "channel", "a part between '/' is empty, '.' or '..'" },
        { "channel the deployment does not have", "channel", "'fax-machine-unknown' is not a channel of this deployment; use one of web, app," },
        { "invalid nanos", "occurred_at", "not a valid timestamp" },
        { "beyond year 9999", "occurred_at", "not a valid timestamp" },
        { "the first moment of 1900", "", "" },
        { "just before 1900", "occurred_at", "before 1900-01-01" },
        { "amount over 1e15", "purchase.amount", "larger than 1e15" },
        { "lower-case currency", "purchase.currency", "use a three-letter ISO 4217 code" },
        { "bad refund currency", "refund.currency", "use a three-letter ISO 4217 code" },
        { "over-long order id", "purchase.order_id", "longer than 1024 characters" },
        { "over-long page", "visit.page", "longer than 1024 characters" },
        { "over-long campaign", "email_click.campaign", "longer than 1024 characters" },
        { "chat without outcome", "chat.outcome", "required" },
        { "call of eight days", "call.duration", "longer than 7 days" },
        { "call of negative nanos", "call.duration", "must not be negative" },
        { "complaint without ticket", "complaint_opened.ticket_id", "required" },
        { "resolution without ticket", "complaint_resolved.ticket_id", "required" },
        { "CSAT 1 and NPS 10", "", "" },
        { "attribute name with a space", "profile_update.attributes", "attribute name 'home town' must be" },
        { "attribute name of 100 characters", "profile_update.attributes", $"attribute name '{new string('a', 32)}…' must be" },
        { "over-long attribute value", "profile_update.attributes[city]", "longer than 1024 characters" },
        { "65 attributes", "profile_update.attributes", "more than 64 attributes" },
        { "64 attributes", "", "" },
        { "over-long cancellation reason", "cancellation.reason", "longer than 1024 characters" },
        { "bad event_id and bad amount", "event_id", "required" },
        { "bad channel and bad time", "channel", "required" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_fault_is_named_by_its_field_and_reason(string fault, string field, string reason)
    {
        var wire = Faulty(fault);

        var @event = Validator(new IngestOptions { MaxIdLength = 16 }).Validate(wire, out var error);

        if (field.Length == 0)
        {
            Assert.Null(error);
            Assert.NotNull(@event);
            return;
        }
        Assert.Null(@event);
        Assert.Equal(field, error!.Field);
        Assert.StartsWith(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_and_attribute_limits_come_from_the_options()
    {
        var options = new IngestOptions { MaxTextLength = 8, MaxProfileAttributes = 2 };
        var validator = Validator(options);

        Assert.NotNull(validator.Validate(Event(e => e.Visit = new Wire.Visit { Page = "/8-chars" }), out _));
        Assert.Null(validator.Validate(Event(e => e.Visit = new Wire.Visit { Page = "/9-chars!" }), out var error));
        Assert.Equal(new FieldError("visit.page", "longer than 8 characters"), error);

        Assert.Null(validator.Validate(Profile(("a", "1"), ("b", "2"), ("c", "3")), out error));
        Assert.Equal(new FieldError("profile_update.attributes", "more than 2 attributes"), error);
    }

    [Fact]
    public void The_deployments_channels_are_configured()
    {
        var kiosk = Validator(new IngestOptions { Channels = ["kiosk"] });

        Assert.NotNull(kiosk.Validate(Event(e => e.Channel = "kiosk/lobby"), out var accepted));
        Assert.Null(accepted);
        Assert.Null(kiosk.Validate(Event(e => e.Channel = "web"), out var refused));
        Assert.Equal("channel", refused!.Field);
        Assert.Contains("use one of kiosk", refused.Reason, StringComparison.Ordinal);
    }

    private static EventValidator Validator(IngestOptions? options = null, FakeTimeProvider? clock = null) =>
        new(Options.Create(options ?? new IngestOptions()), clock ?? new FakeTimeProvider(Now));

    /// <summary>A valid visit an hour ago, changed by <paramref name="change"/>.</summary>
    private static Wire.Event Event(Action<Wire.Event>? change = null)
    {
        var wire = new Wire.Event
        {
            EventId = "e-1",
            CustomerId = "c-1",
            Channel = "app",
            OccurredAt = Timestamp.FromDateTimeOffset(Now.AddHours(-1)),
            Visit = new Wire.Visit { Page = "/home", Category = "music" },
        };
        change?.Invoke(wire);
        return wire;
    }

    private static Wire.Event Profile(params (string Name, string Value)[] attributes)
    {
        var update = new Wire.ProfileUpdate();
        foreach (var (name, value) in attributes) update.Attributes[name] = value;
        return Event(e => e.ProfileUpdate = update);
    }

    private static (Wire.Event Wire, EventPayload Expected) Valid(string kind) => kind switch
    {
        "purchase" => (Event(e => e.Purchase = new Wire.Purchase { Amount = 19.9, Currency = "EUR", OrderId = "o-1" }), new PurchasePayload(19.9m, "EUR", "o-1")),
        "refund" => (Event(e => e.Refund = new Wire.Refund { Amount = 5, OrderId = "o-1" }), new RefundPayload(5m, "", "o-1")),
        "visit" => (Event(), new VisitPayload("/home", "music")),
        "call" => (Event(e => e.Call = new Wire.ServiceContact { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(4)), Outcome = Wire.ContactOutcome.Unresolved }),
            new CallPayload(TimeSpan.FromMinutes(4), Contracts.V1.ContactOutcome.Unresolved)),
        // A contact without a duration is one of unknown length, not a fault.
        "chat" => (Event(e => e.Chat = new Wire.ServiceContact { Outcome = Wire.ContactOutcome.Transferred }),
            new ChatPayload(TimeSpan.Zero, Contracts.V1.ContactOutcome.Transferred)),
        "email_open" => (Event(e => e.EmailOpen = new Wire.EmailEngagement { Campaign = "spring" }), new EmailOpenPayload("spring")),
        "email_click" => (Event(e => e.EmailClick = new Wire.EmailEngagement { Campaign = "spring" }), new EmailClickPayload("spring")),
        "complaint_opened" => (Event(e => e.ComplaintOpened = new Wire.ComplaintOpened { Severity = Wire.ComplaintSeverity.High, TicketId = "t-1" }),
            new ComplaintOpenedPayload(Contracts.V1.ComplaintSeverity.High, "t-1")),
        "complaint_resolved" => (Event(e => e.ComplaintResolved = new Wire.ComplaintResolved { TicketId = "t-1" }), new ComplaintResolvedPayload("t-1")),
        "csat" => (Event(e => e.Survey = new Wire.Survey { Csat = 5 }), new SurveyPayload(5, null)),
        "nps" => (Event(e => e.Survey = new Wire.Survey { Nps = 0 }), new SurveyPayload(null, 0)),
        "profile_update" => (Profile(("region", "north"), ("email", "")), new ProfileUpdatePayload(new Dictionary<string, string> { ["region"] = "north", ["email"] = "" })),
        "cancellation" => (Event(e => e.Cancellation = new Wire.Cancellation { Reason = "moved" }), new CancellationPayload("moved")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static Wire.Event Faulty(string fault)
    {
        var longText = new string('x', 1025);
        return fault switch
        {
            "event_id of whitespace" => Event(e => e.EventId = "  "),
            "event_id at the limit" => Event(e => e.EventId = new string('e', 16)),
            "event_id over the limit" => Event(e => e.EventId = new string('e', 17)),
            "event_id with a control character" => Event(e => e.EventId = "e-\u00071"),
            "customer_id with a newline" => Event(e => e.CustomerId = "c-1\n"),
            "channel with a space" => Event(e => e.Channel = "web shop"),
            "channel of 65 characters" => Event(e => e.Channel = new string('w', 65)),
            "channel with a path" => Event(e => e.Channel = "store/berlin-2_a.b"),
            "channel climbing out of a path" => Event(e => e.Channel = "../../etc/passwd"),
            "channel the deployment does not have" => Event(e => e.Channel = "fax-machine-unknown"),
            "invalid nanos" => Event(e => e.OccurredAt.Nanos = 1_000_000_000),
            "beyond year 9999" => Event(e => e.OccurredAt = new Timestamp { Seconds = 253_402_300_800 }),
            "the first moment of 1900" => Event(e => e.OccurredAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero))),
            "just before 1900" => Event(e => e.OccurredAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(1899, 12, 31, 23, 59, 59, TimeSpan.Zero))),
            "amount over 1e15" => Event(e => e.Purchase = new Wire.Purchase { Amount = 1.5e15 }),
            "lower-case currency" => Event(e => e.Purchase = new Wire.Purchase { Amount = 1, Currency = "usd" }),
            "bad refund currency" => Event(e => e.Refund = new Wire.Refund { Amount = 1, Currency = "EURO" }),
            "over-long order id" => Event(e => e.Purchase = new Wire.Purchase { Amount = 1, OrderId = longText }),
            "over-long page" => Event(e => e.Visit.Page = longText),
            "over-long campaign" => Event(e => e.EmailClick = new Wire.EmailEngagement { Campaign = longText }),
            "chat without outcome" => Event(e => e.Chat = new Wire.ServiceContact { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) }),
            "call of eight days" => Event(e => e.Call = new Wire.ServiceContact { Duration = Duration.FromTimeSpan(TimeSpan.FromDays(8)), Outcome = Wire.ContactOutcome.Resolved }),
            "call of negative nanos" => Event(e => e.Call = new Wire.ServiceContact { Duration = new Duration { Nanos = -5 }, Outcome = Wire.ContactOutcome.Resolved }),
            "complaint without ticket" => Event(e => e.ComplaintOpened = new Wire.ComplaintOpened { Severity = Wire.ComplaintSeverity.Low }),
            "resolution without ticket" => Event(e => e.ComplaintResolved = new Wire.ComplaintResolved()),
            // The survey's score is a oneof: the last one set is the answer.
            "CSAT 1 and NPS 10" => Event(e => e.Survey = new Wire.Survey { Csat = 1, Nps = 10 }),
            "attribute name with a space" => Profile(("home town", "Oslo")),
            "attribute name of 100 characters" => Profile((new string('a', 100), "x")),
            "over-long attribute value" => Profile(("city", longText)),
            "65 attributes" => Profile([.. Enumerable.Range(0, 65).Select(i => ($"a{i}", "x"))]),
            "64 attributes" => Profile([.. Enumerable.Range(0, 64).Select(i => ($"a{i}", "x"))]),
            "over-long cancellation reason" => Event(e => e.Cancellation = new Wire.Cancellation { Reason = longText }),
            "bad event_id and bad amount" => Event(e => { e.EventId = ""; e.Purchase = new Wire.Purchase { Amount = -1 }; }),
            "bad channel and bad time" => Event(e => { e.Channel = ""; e.OccurredAt = null; }),
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
        };
    }
}
