namespace Engagement.Contracts.Alerts;

/// <summary>
/// A contact outcome recorded with an idempotency key (HTTP <c>Idempotency-Key</c>, the agent hub's <c>requestId</c>), as
/// the store keeps it: the alert it is about and, once answered, the alert as the first answer gave it. A retry finds it
/// there, also after a restart; a request begun but not answered (the gateway stopped in between) is known too.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OutcomeRequest([property: Id(0)] string AlertId, [property: Id(1)] Alert? Answer);

/// <summary>The store's outcome requests for gateways (which, in a cluster, do not touch the store themselves); a stateless worker.</summary>
public interface IOutcomeRequestGrain : IGrainWithIntegerKey
{
    /// <summary>The request of this event id, or null when none was begun.</summary>
    Task<OutcomeRequest?> Find(string eventId);

    /// <summary>Notes that the request is past its checks and about to record its event (a second begin changes nothing).</summary>
    Task Begin(string eventId, string alertId);

    /// <summary>Keeps <paramref name="answer"/> unless an answer is kept already; returns the one kept (the first).</summary>
    Task<Alert> Answer(string eventId, Alert answer);
}
