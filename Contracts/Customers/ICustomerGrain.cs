using Orleans.Concurrency;

namespace Engagement.Contracts.Customers;

/// <summary>
/// One customer: the consistency boundary of everything the engine knows about them. Keyed by the
/// channels' customer id.
/// </summary>
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies this customer's slice of a batch. Returns once every accepted event is durably in the
    /// journal; an event id the customer has already seen is counted as a duplicate and changes nothing.
    /// </summary>
    Task<ApplyResult> Apply(IReadOnlyList<CustomerEvent> events);

    /// <summary>The current card, or null for a customer with no event yet.</summary>
    Task<CustomerCard?> GetCard();

    /// <summary>Whether the customer has had an event: a lookup's question, answered without evaluating or building a card.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<bool> Exists();

    /// <summary>The customer's team, or null for a customer with no event yet: a team-scoped read's question.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<string?> Team();

    /// <summary>
    /// Subscribes (or renews) an observer of card changes; it expires unless renewed. Returns the current
    /// card (null for a customer with no event yet), so that a renewal also catches up on anything missed.
    /// </summary>
    Task<CustomerCard?> Watch(ICustomerObserver observer);

    Task Unwatch(ICustomerObserver observer);

    /// <summary>
    /// Re-evaluates the customer with no new event, because its due time has come (silence, a complaint
    /// open too long): a change it finds is recorded, pushed and alerted like any other.
    /// </summary>
    Task CheckSilence();

    /// <summary>
    /// The closing check of a replay or backfill that fed this customer: evaluated like <see cref="CheckSilence"/>, and
    /// if backfill events were applied since, it raises the alerts that are true now (and closes what no longer is),
    /// instead of what the backfilled past changed. A check in between raises nothing for them.
    /// </summary>
    Task CheckAfterBackfill();
}

/// <summary>Receives a customer's card after every change. One per gateway process, not per viewer.</summary>
public interface ICustomerObserver : IGrainObserver
{
    [OneWay]
    Task OnCardChanged(CustomerCard card);
}

/// <summary>
/// What became of a customer's slice: accepted (applied and durable) or duplicate, per event.
/// <see cref="Duplicated"/> lists the positions in the slice of the duplicates (null when there are none).
/// <see cref="Refused"/>, when set, says why the whole slice was refused (an erased customer): nothing was stored.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ApplyResult(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] IReadOnlyList<int>? Duplicated = null,
    [property: Id(3)] string? Refused = null);

/// <summary>
/// One shard of the silence schedule: it polls its range of the customers' due times (kept in the store,
/// so the schedule survives restarts and failover and costs no timer per customer) and asks each customer
/// whose time has come to look at itself again.
/// </summary>
public interface ISilenceShardGrain : IGrainWithIntegerKey
{
    /// <summary>Makes sure the shard is polling (idempotent; a reminder keeps it alive after failures).</summary>
    Task Start();
}
