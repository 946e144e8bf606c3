using System.Text.Json.Serialization;
// Outcome and severity are the wire's own enums (engagement.v1), defined once: the ingest edge lets no
// UNSPECIFIED value through, and the journal stores their numbers, which the proto contract never renumbers.
using ComplaintSeverity = Engagement.Contracts.V1.ComplaintSeverity;
using ContactOutcome = Engagement.Contracts.V1.ContactOutcome;

namespace Engagement.Contracts.Customers;

/// <summary>
/// A validated interaction on its way into a customer grain. Only the ingest edge creates these,
/// after validation, so a grain never sees an invalid event. <see cref="Backfill"/> marks an event of a
/// replay or bulk backfill (the batch's <c>backfill</c> flag): applied and journaled as usual, but it raises no
/// alert; it travels with the event, not the batch, so that any fan-out carries it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CustomerEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Channel,
    [property: Id(2)] DateTimeOffset OccurredAt,
    [property: Id(3)] EventPayload Payload,
    [property: Id(4)] bool Backfill = false);

/// <summary>The typed payload of an interaction. The JSON discriminator is the event type of the domain.</summary>
[GenerateSerializer, Immutable]
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PurchasePayload), EventTypes.Purchase)]
[JsonDerivedType(typeof(RefundPayload), EventTypes.Refund)]
[JsonDerivedType(typeof(VisitPayload), EventTypes.Visit)]
[JsonDerivedType(typeof(CallPayload), EventTypes.Call)]
[JsonDerivedType(typeof(ChatPayload), EventTypes.Chat)]
[JsonDerivedType(typeof(EmailOpenPayload), EventTypes.EmailOpen)]
[JsonDerivedType(typeof(EmailClickPayload), EventTypes.EmailClick)]
[JsonDerivedType(typeof(ComplaintOpenedPayload), EventTypes.ComplaintOpened)]
[JsonDerivedType(typeof(ComplaintResolvedPayload), EventTypes.ComplaintResolved)]
[JsonDerivedType(typeof(SurveyPayload), EventTypes.Survey)]
[JsonDerivedType(typeof(ProfileUpdatePayload), EventTypes.ProfileUpdate)]
[JsonDerivedType(typeof(CancellationPayload), EventTypes.Cancellation)]
[JsonDerivedType(typeof(ContactOutcomePayload), EventTypes.ContactOutcome)]
[JsonDerivedType(typeof(IdentityPayload), EventTypes.Identity)]
public abstract record EventPayload
{
    /// <summary>The domain's name of this event type, e.g. <c>purchase</c> (the JSON discriminator, so not a property of its own there).</summary>
    [JsonIgnore]
    public string Type => this switch
    {
        PurchasePayload => EventTypes.Purchase,
        RefundPayload => EventTypes.Refund,
        VisitPayload => EventTypes.Visit,
        CallPayload => EventTypes.Call,
        ChatPayload => EventTypes.Chat,
        EmailOpenPayload => EventTypes.EmailOpen,
        EmailClickPayload => EventTypes.EmailClick,
        ComplaintOpenedPayload => EventTypes.ComplaintOpened,
        ComplaintResolvedPayload => EventTypes.ComplaintResolved,
        SurveyPayload => EventTypes.Survey,
        ProfileUpdatePayload => EventTypes.ProfileUpdate,
        CancellationPayload => EventTypes.Cancellation,
        ContactOutcomePayload => EventTypes.ContactOutcome,
        IdentityPayload => EventTypes.Identity,
        _ => throw new InvalidOperationException($"{GetType().Name} has no event type name."),
    };
}

/// <summary>The event type names of the domain, as they appear in the journal and on the card.</summary>
public static class EventTypes
{
    public const string Purchase = "purchase";
    public const string Refund = "refund";
    public const string Visit = "visit";
    public const string Call = "call";
    public const string Chat = "chat";
    public const string EmailOpen = "email_open";
    public const string EmailClick = "email_click";
    public const string ComplaintOpened = "complaint_opened";
    public const string ComplaintResolved = "complaint_resolved";
    public const string Survey = "survey";
    public const string ProfileUpdate = "profile_update";
    public const string Cancellation = "cancellation";
    public const string ContactOutcome = "contact_outcome";

    /// <summary>A merge, an unmerge or an identifier conflict of the customer (written by the engine, never sent by a channel).</summary>
    public const string Identity = "identity";
}

[GenerateSerializer, Immutable]
public sealed record PurchasePayload([property: Id(0)] decimal Amount, [property: Id(1)] string Currency, [property: Id(2)] string OrderId) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record RefundPayload([property: Id(0)] decimal Amount, [property: Id(1)] string Currency, [property: Id(2)] string OrderId) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record VisitPayload([property: Id(0)] string Page, [property: Id(1)] string Category) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record CallPayload([property: Id(0)] TimeSpan Duration, [property: Id(1)] ContactOutcome Outcome) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record ChatPayload([property: Id(0)] TimeSpan Duration, [property: Id(1)] ContactOutcome Outcome) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record EmailOpenPayload([property: Id(0)] string Campaign) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record EmailClickPayload([property: Id(0)] string Campaign) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record ComplaintOpenedPayload([property: Id(0)] ComplaintSeverity Severity, [property: Id(1)] string TicketId) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record ComplaintResolvedPayload([property: Id(0)] string TicketId) : EventPayload;

/// <summary>One survey answer: exactly one of <see cref="Csat"/> (1..5) or <see cref="Nps"/> (0..10).</summary>
[GenerateSerializer, Immutable]
public sealed record SurveyPayload([property: Id(0)] int? Csat, [property: Id(1)] int? Nps) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record ProfileUpdatePayload([property: Id(0)] IReadOnlyDictionary<string, string> Attributes) : EventPayload;

[GenerateSerializer, Immutable]
public sealed record CancellationPayload([property: Id(0)] string Reason) : EventPayload;

/// <summary>
/// What came of an agent's contact with the customer (recorded by the agent, not sent by a channel): it enters the
/// customer's history and decision log; <see cref="Engagement.Contracts.Alerts.AlertOutcome.Retained"/> and
/// <see cref="Engagement.Contracts.Alerts.AlertOutcome.Lost"/> resolve the alert it answers.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ContactOutcomePayload(
    [property: Id(0)] Engagement.Contracts.Alerts.AlertOutcome Outcome,
    [property: Id(1)] DateTimeOffset? CallbackAt,
    [property: Id(2)] string Note,
    [property: Id(3)] string AgentId,
    [property: Id(4)] string? AlertId) : EventPayload;

/// <summary>
/// What happened to the customer's identity (issue 17), written into its journal by the engine so that its history and
/// decision log keep it through every rebuild: <see cref="Action"/> is <c>merged</c>, <c>unmerged</c> or <c>conflict</c>;
/// <see cref="Other"/> the other customer; <see cref="Identifier"/> the contested key of a conflict.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IdentityPayload(
    [property: Id(0)] string Action,
    [property: Id(1)] string Other,
    [property: Id(2)] string By,
    [property: Id(3)] string Reason,
    [property: Id(4)] string? Identifier = null) : EventPayload
{
    public const string Merged = "merged";
    public const string Unmerged = "unmerged";
    public const string Conflict = "conflict";
}
