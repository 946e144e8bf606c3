using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Engagement.Contracts.Customers;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Microsoft.Extensions.Options;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Ingest;

/// <summary>
/// Checks one wire event and turns it into the domain's event, or says which field is wrong and why.
/// Nothing that fails here reaches a grain.
/// </summary>
public sealed partial class EventValidator(
    IOptions<IngestOptions> options, [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock, IOptions<EngagementOptions>? engagement = null)
{
    /// <summary>Event times before this are refused as mistakes; historical backfill (CDNOW's 1997) is later.</summary>
    public static readonly DateTimeOffset EarliestEventTime = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly IngestOptions _limits = options.Value;

    // A profile value is state the customer keeps (Engagement:Limits), beyond a text that passes through.
    private readonly int _maxAttributeValue = Math.Min(options.Value.MaxTextLength, (engagement?.Value ?? new EngagementOptions()).Limits.MaxAttributeValueLength);

    private readonly FrozenSet<string> _channels = options.Value.KnownChannels.ToFrozenSet(StringComparer.Ordinal);

    public CustomerEvent? Validate(Proto.Event wire, out FieldError? error) => Validate(wire, backfill: false, out error);

    /// <param name="backfill">The batch's <c>backfill</c> flag, carried by the event (applied, journaled, raising no alert).</param>
    public CustomerEvent? Validate(Proto.Event wire, bool backfill, out FieldError? error)
    {
        error = CheckId("event_id", wire.EventId)
            ?? CheckId("customer_id", wire.CustomerId)
            ?? CheckToken("channel", wire.Channel)
            ?? CheckChannel(wire.Channel)
            ?? CheckTime(wire.OccurredAt);
        if (error is not null) return null;

        var payload = ConvertPayload(wire, out error);
        return payload is null ? null : new CustomerEvent(wire.EventId, wire.Channel, wire.OccurredAt.ToDateTimeOffset(), payload, backfill);
    }

    private EventPayload? ConvertPayload(Proto.Event wire, out FieldError? error)
    {
        switch (wire.PayloadCase)
        {
            case Proto.Event.PayloadOneofCase.Purchase:
                var purchase = wire.Purchase;
                return Make(Money("purchase.amount", purchase.Amount, out var amount)
                    ?? Currency("purchase.currency", purchase.Currency) ?? Text("purchase.order_id", purchase.OrderId),
                    () => new PurchasePayload(amount, purchase.Currency, purchase.OrderId), out error);
            case Proto.Event.PayloadOneofCase.Refund:
                var refund = wire.Refund;
                return Make(Money("refund.amount", refund.Amount, out var refunded)
                    ?? Currency("refund.currency", refund.Currency) ?? Text("refund.order_id", refund.OrderId),
                    () => new RefundPayload(refunded, refund.Currency, refund.OrderId), out error);
            case Proto.Event.PayloadOneofCase.Visit:
                return Make(Text("visit.page", wire.Visit.Page) ?? Text("visit.category", wire.Visit.Category),
                    () => new VisitPayload(wire.Visit.Page, wire.Visit.Category), out error);
            case Proto.Event.PayloadOneofCase.Call:
                return Make(Contact("call", wire.Call, out var callDuration, out var callOutcome),
                    () => new CallPayload(callDuration, callOutcome), out error);
            case Proto.Event.PayloadOneofCase.Chat:
                return Make(Contact("chat", wire.Chat, out var chatDuration, out var chatOutcome),
                    () => new ChatPayload(chatDuration, chatOutcome), out error);
            case Proto.Event.PayloadOneofCase.EmailOpen:
                return Make(Text("email_open.campaign", wire.EmailOpen.Campaign),
                    () => new EmailOpenPayload(wire.EmailOpen.Campaign), out error);
            case Proto.Event.PayloadOneofCase.EmailClick:
                return Make(Text("email_click.campaign", wire.EmailClick.Campaign),
                    () => new EmailClickPayload(wire.EmailClick.Campaign), out error);
            case Proto.Event.PayloadOneofCase.ComplaintOpened:
                var opened = wire.ComplaintOpened;
                return Make(Severity(opened.Severity) ?? CheckId("complaint_opened.ticket_id", opened.TicketId),
                    () => new ComplaintOpenedPayload(opened.Severity, opened.TicketId), out error);
            case Proto.Event.PayloadOneofCase.ComplaintResolved:
                return Make(CheckId("complaint_resolved.ticket_id", wire.ComplaintResolved.TicketId),
                    () => new ComplaintResolvedPayload(wire.ComplaintResolved.TicketId), out error);
            case Proto.Event.PayloadOneofCase.Survey:
                var survey = wire.Survey;
                return Make(Survey(survey),
                    () => new SurveyPayload(
                        survey.ScoreCase == Proto.Survey.ScoreOneofCase.Csat ? survey.Csat : null,
                        survey.ScoreCase == Proto.Survey.ScoreOneofCase.Nps ? survey.Nps : null), out error);
            case Proto.Event.PayloadOneofCase.ProfileUpdate:
                return Make(Profile(wire.ProfileUpdate),
                    () => new ProfileUpdatePayload(new Dictionary<string, string>(wire.ProfileUpdate.Attributes, StringComparer.Ordinal)), out error);
            case Proto.Event.PayloadOneofCase.Cancellation:
                return Make(Text("cancellation.reason", wire.Cancellation.Reason),
                    () => new CancellationPayload(wire.Cancellation.Reason), out error);
            default:
                error = new FieldError("payload", "missing or unknown payload: set exactly one of purchase, refund, visit, call, chat, email_open, email_click, complaint_opened, complaint_resolved, survey, profile_update, cancellation");
                return null;
        }
    }

    private static EventPayload? Make(FieldError? found, Func<EventPayload> create, out FieldError? error)
    {
        error = found;
        return found is null ? create() : null;
    }

    private FieldError? CheckId(string field, string value) =>
        IdCheck.Problem(value, _limits.MaxIdLength) is { } problem ? new(field, problem) : null;

    /// <summary>
    /// The channel, or its first part before a '/' (<c>store/berlin-2</c>: the store channel, the Berlin shop), must be one
    /// the deployment has; no part may be '.' or '..'.
    /// </summary>
    private FieldError? CheckChannel(string channel)
    {
        var parts = channel.Split('/');
        if (parts.Any(part => part is "" or "." or ".."))
        {
            return new("channel", "a part between '/' is empty, '.' or '..'");
        }

        return _channels.Contains(parts[0])
            ? null
            : new("channel", $"'{parts[0]}' is not a channel of this deployment; use one of {string.Join(", ", _limits.KnownChannels)} (Engagement:Ingest:Channels)");
    }

    private static FieldError? CheckToken(string field, string value)
    {
        if (string.IsNullOrWhiteSpace(value)) return new(field, "required");
        if (value.Length > 64) return new(field, "longer than 64 characters");
        if (!TokenPattern().IsMatch(value)) return new(field, "use letters, digits, '.', '_', '-' or '/' only (e.g. web, app, ivr, store, chat, email)");
        return null;
    }

    private FieldError? CheckTime(Google.Protobuf.WellKnownTypes.Timestamp? occurredAt)
    {
        if (occurredAt is null) return new("occurred_at", "required");
        // The range protobuf allows: 0001-01-01 to 9999-12-31.
        if (occurredAt.Seconds is < -62_135_596_800 or > 253_402_300_799 || occurredAt.Nanos is < 0 or > 999_999_999)
        {
            return new("occurred_at", "not a valid timestamp");
        }
        var at = occurredAt.ToDateTimeOffset();
        if (at < EarliestEventTime) return new("occurred_at", "before 1900-01-01");
        var latest = businessClock.GetUtcNow() + _limits.MaxFutureSkew;
        if (at > latest)
        {
            return new("occurred_at", string.Create(CultureInfo.InvariantCulture,
                $"more than {_limits.MaxFutureSkew.TotalSeconds:0} s in the future (event time {at:O}, allowed up to {latest:O})"));
        }
        return null;
    }

    private static FieldError? Money(string field, double value, out decimal amount)
    {
        amount = 0;
        if (!double.IsFinite(value)) return new(field, "must be a finite number");
        if (value < 0) return new(field, "must not be negative");
        if (value > 1e15) return new(field, "larger than 1e15");
        amount = decimal.Round((decimal)value, 4, MidpointRounding.ToEven);
        return null;
    }

    private static FieldError? Currency(string field, string value) =>
        value.Length == 0 || CurrencyPattern().IsMatch(value) ? null : new(field, "use a three-letter ISO 4217 code such as USD, or leave it empty");

    private FieldError? Text(string field, string value) =>
        value.Length > _limits.MaxTextLength ? new(field, $"longer than {_limits.MaxTextLength} characters") : null;

    private static FieldError? Contact(string field, ServiceContact contact, out TimeSpan duration, out Proto.ContactOutcome outcome)
    {
        duration = TimeSpan.Zero;
        outcome = contact.Outcome;
        if (contact.Duration is { } d)
        {
            if (d.Seconds < 0 || d.Nanos < 0) return new($"{field}.duration", "must not be negative");
            if (d.Seconds > 7 * 24 * 3600) return new($"{field}.duration", "longer than 7 days");
            duration = d.ToTimeSpan();
        }
        return Given(outcome) ? null : new($"{field}.outcome", "required: resolved, unresolved or transferred");
    }

    private static FieldError? Severity(Proto.ComplaintSeverity severity) =>
        Given(severity) ? null : new("complaint_opened.severity", "required: low, medium or high");

    /// <summary>A value the contract names, other than UNSPECIFIED (a number from a newer client is not one).</summary>
    private static bool Given<TEnum>(TEnum value) where TEnum : struct, Enum =>
        Enum.IsDefined(value) && !EqualityComparer<TEnum>.Default.Equals(value, default);

    private static FieldError? Survey(Proto.Survey survey) => survey.ScoreCase switch
    {
        Proto.Survey.ScoreOneofCase.Csat when survey.Csat is < 1 or > 5 => new("survey.csat", $"{survey.Csat} is out of range 1..5"),
        Proto.Survey.ScoreOneofCase.Nps when survey.Nps is < 0 or > 10 => new("survey.nps", $"{survey.Nps} is out of range 0..10"),
        Proto.Survey.ScoreOneofCase.None => new("survey.score", "required: csat (1..5) or nps (0..10)"),
        _ => null,
    };

    private FieldError? Profile(ProfileUpdate profile)
    {
        if (profile.Attributes.Count == 0) return new("profile_update.attributes", "required: at least one attribute");
        if (profile.Attributes.Count > _limits.MaxProfileAttributes) return new("profile_update.attributes", $"more than {_limits.MaxProfileAttributes} attributes");
        foreach (var (key, value) in profile.Attributes)
        {
            if (!TokenPattern().IsMatch(key) || key.Length > 64) return new("profile_update.attributes", $"attribute name '{Truncate(key)}' must be 1..64 letters, digits, '.', '_', '-' or '/'");
            if (value.Length > _maxAttributeValue) return new($"profile_update.attributes[{key}]", $"longer than {_maxAttributeValue} characters (Engagement:Limits:MaxAttributeValueLength)");
        }
        return null;
    }

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";

    [GeneratedRegex("^[A-Za-z0-9._/-]+$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();
}

/// <summary>The field at fault (as named in the proto, e.g. <c>purchase.amount</c>) and the reason.</summary>
public sealed record FieldError(string Field, string Reason);
