using Orleans.Concurrency;

namespace Engagement.Contracts.Alerts;

/// <summary>
/// The alerts of one customer and kind, keyed "customerId|kind": at most one open at a time, so a second
/// cause refreshes the open alert instead of piling up. Every change is stored with a new sequence
/// number before it is published.
/// </summary>
public interface ICustomerAlertGrain : IGrainWithStringKey
{
    /// <summary>Opens a new alert, or refreshes the open one (its severity can only rise while open).</summary>
    Task<Alert> Raise(AlertCause cause);

    Task<Alert> Acknowledge(string alertId, string by);

    Task<Alert> Assign(string alertId, string agentId, string by);

    Task<Alert> Resolve(string alertId, string note, string by);

    Task<Alert?> Current();

    /// <summary>
    /// The customer's cause is gone: the open alert (if any) is resolved by the engine with <paramref name="reason"/>.
    /// Returns the resolved alert, or null when none was open.
    /// </summary>
    Task<Alert?> Clear(string reason);

    /// <summary>
    /// An agent's contact outcome for the alert: recorded on it; <see cref="AlertOutcome.Retained"/> and
    /// <see cref="AlertOutcome.Lost"/> resolve it with <paramref name="note"/>. Null when the alert is unknown or resolved already.
    /// </summary>
    Task<Alert?> RecordOutcome(string alertId, AlertOutcome outcome, string note, string by);

    /// <summary>
    /// The SLA check: an open alert past its due time at <paramref name="now"/> (and not escalated yet) rises one
    /// severity step, once. Returns the escalated alert, or null when there was nothing to escalate.
    /// </summary>
    Task<Alert?> Escalate(DateTimeOffset now);
}

/// <summary>
/// The alert backplane: every stored alert change is published here, in the groups the silos commit them
/// in, and pushed to each gateway that subscribed (grain observers with expiry), which fans it out to its
/// supervisors and agents. One message per group and gateway, not per change.
/// </summary>
public interface IAlertFeedGrain : IGrainWithIntegerKey
{
    /// <summary>Pushes committed changes (in sequence order) to every subscribed gateway.</summary>
    Task Publish(IReadOnlyList<Alert> changes);

    /// <summary>Subscribes or renews a gateway; returns the latest sequence published so far.</summary>
    Task<long> Subscribe(IAlertObserver observer);

    Task Unsubscribe(IAlertObserver observer);
}

public interface IAlertObserver : IGrainObserver
{
    /// <summary>Alert changes, in sequence order.</summary>
    [OneWay]
    Task OnAlertsChanged(IReadOnlyList<Alert> changes);
}

/// <summary>Reads of the alert store for gateways (which, in a cluster, do not touch the store themselves); a stateless worker.</summary>
public interface IAlertQueryGrain : IGrainWithIntegerKey
{
    /// <summary>Alerts not yet resolved of the given teams (every team when null), newest first.</summary>
    Task<IReadOnlyList<Alert>> Open(IReadOnlyList<string>? teams);

    /// <summary>Alerts assigned to an agent and not yet resolved, oldest first.</summary>
    Task<IReadOnlyList<Alert>> AssignedTo(string agentId);

    /// <summary>Every change after a sequence number of the given teams' alerts, in order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Alert>> ChangesSince(long afterSequence, IReadOnlyList<string>? teams, int limit);

    /// <summary>How many alerts are not yet resolved, by kind, severity and state (every team).</summary>
    Task<IReadOnlyList<OpenAlertCount>> OpenCounts();

    /// <summary>
    /// A page of cases (each customer's unresolved alerts grouped), with the counts of all that match and the sequence
    /// the page reflects. The query's page size and token must be valid (the gateways check them).
    /// </summary>
    Task<CasePage> Cases(CaseQuery query);

    /// <summary>
    /// Unresolved alerts of the given teams (every team when null), newest raised first (ties by id), those after
    /// <paramref name="after"/> when given (keyset paging over what never changes), at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<Alert>> OpenPage(IReadOnlyList<string>? teams, AlertPageKey? after, int limit);
}

/// <summary>Alert ids are "customerId|Kind|n": the n-th alert of that kind for that customer.</summary>
public static class AlertIds
{
    public static string Of(string customerId, AlertKind kind, int ordinal) => $"{GrainKey(customerId, kind)}|{ordinal}";

    public static string GrainKey(string customerId, AlertKind kind) => $"{customerId}|{kind}";

    /// <summary>The key of the grain that owns an alert id; null for a string that is not an alert id.</summary>
    public static string? GrainKeyOf(string alertId)
    {
        var last = alertId.LastIndexOf('|');
        if (last <= 0 || !int.TryParse(alertId.AsSpan(last + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)) return null;
        var key = alertId[..last];
        var kind = key.LastIndexOf('|');
        return kind > 0 && Enum.TryParse<AlertKind>(key.AsSpan(kind + 1), out _) ? key : null;
    }

    public static int OrdinalOf(string alertId) =>
        int.Parse(alertId.AsSpan(alertId.LastIndexOf('|') + 1), System.Globalization.CultureInfo.InvariantCulture);
}
