namespace Engagement.Contracts.Alerts;

/// <summary>What an alert is about. The names are part of the public contract.</summary>
public enum AlertKind
{
    /// <summary>The customer entered AtRisk or Lapsed (also by silence alone).</summary>
    ChurnWarning,

    /// <summary>The value tier changed, up or down.</summary>
    TierChange,

    /// <summary>A high-severity complaint from a high tier, or a complaint open too long.</summary>
    ComplaintEscalation,

    /// <summary>A detractor answer or a CSAT fall.</summary>
    SatisfactionDrop,

    /// <summary>The customer cancelled (explicit churn): someone should try to keep them.</summary>
    Retention,
}

/// <summary>What came of an agent's contact about an alert; recorded as a <c>contact_outcome</c> event of the customer.</summary>
public enum AlertOutcome
{
    /// <summary>The agent spoke with the customer.</summary>
    Reached,

    /// <summary>Nobody answered.</summary>
    NoAnswer,

    /// <summary>The customer stays: resolves the alert.</summary>
    Retained,

    /// <summary>The customer goes anyway: resolves the alert.</summary>
    Lost,

    /// <summary>The customer asked to be called back at a time.</summary>
    Callback,
}

/// <summary>Severity follows value: an A-tier customer at risk is critical.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

public enum AlertState
{
    Open,
    Acknowledged,
    Assigned,
    Resolved,
}

/// <summary>
/// An alert as supervisors and agents see it: what, how bad, where it stands, who did what and when,
/// and the customer's context when it was last raised. <see cref="Sequence"/> rises with every change of
/// any alert, so a client that reconnects with its last sequence gets exactly what it missed. The gRPC alert
/// (<c>alerts.proto</c>, mapped by the gateway's AlertMapper) and the SignalR alert (this record as JSON) carry the
/// same fields but <see cref="ReassignedFrom"/>; Tests/Mapping and Tests/WebConsole fail on a field one side lacks.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Alert
{
    [Id(0)] public required string AlertId { get; init; }

    [Id(1)] public long Sequence { get; init; }

    [Id(2)] public AlertKind Kind { get; init; }

    [Id(3)] public AlertSeverity Severity { get; init; }

    [Id(4)] public AlertState State { get; init; }

    [Id(5)] public required string CustomerId { get; init; }

    /// <summary>The team whose supervisors see the alert (from the customer's attributes, region by default).</summary>
    [Id(6)] public required string Team { get; init; }

    [Id(7)] public required string Title { get; init; }

    [Id(8)] public IReadOnlyList<string> Reasons { get; init; } = [];

    [Id(9)] public required AlertContext Context { get; init; }

    [Id(10)] public DateTimeOffset RaisedAt { get; init; }

    [Id(11)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>How many causes raised or refreshed this alert while it was open.</summary>
    [Id(12)] public int Occurrences { get; init; } = 1;

    [Id(13)] public string? AcknowledgedBy { get; init; }

    [Id(14)] public DateTimeOffset? AcknowledgedAt { get; init; }

    [Id(15)] public string? AssignedTo { get; init; }

    [Id(16)] public string? AssignedBy { get; init; }

    [Id(17)] public DateTimeOffset? AssignedAt { get; init; }

    [Id(18)] public string? ResolvedBy { get; init; }

    [Id(19)] public DateTimeOffset? ResolvedAt { get; init; }

    [Id(20)] public string? ResolutionNote { get; init; }

    /// <summary>
    /// On the change that assigned the alert to someone else: the agent it was assigned to before, whose list
    /// must drop it (so that agent is sent this change too). Null on every other change.
    /// </summary>
    [Id(21)] public string? ReassignedFrom { get; init; }

    /// <summary>
    /// Money at risk when the alert was last raised or refreshed: the customer's CLV × churn risk, in
    /// <see cref="Currency"/>. The board ranks by it.
    /// </summary>
    [Id(22)] public double ExpectedLoss { get; init; }

    /// <summary>The ISO 4217 currency of <see cref="ExpectedLoss"/> and the context's money (<c>Engagement:Currency</c>).</summary>
    [Id(23)] public string Currency { get; init; } = "USD";

    /// <summary>When an open alert must be acknowledged by (its severity's SLA); null when no SLA applies.</summary>
    [Id(24)] public DateTimeOffset? DueBy { get; init; }

    /// <summary>The SLA passed without an acknowledgement: the severity rose one step at <see cref="EscalatedAt"/>.</summary>
    [Id(25)] public bool Escalated { get; init; }

    [Id(26)] public DateTimeOffset? EscalatedAt { get; init; }

    /// <summary>The last outcome an agent recorded for this alert (null until one is).</summary>
    [Id(27)] public AlertOutcome? Outcome { get; init; }
}

/// <summary>A snapshot of the customer when the alert was raised or last refreshed.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertContext
{
    [Id(0)] public string Stage { get; init; } = "";

    [Id(1)] public string Tier { get; init; } = "";

    [Id(2)] public double ChurnRisk { get; init; }

    [Id(3)] public double ProbabilityAlive { get; init; }

    [Id(4)] public double Clv { get; init; }

    [Id(5)] public decimal TotalSpend { get; init; }

    [Id(6)] public DateTimeOffset? LastPurchaseAt { get; init; }

    [Id(7)] public string NextBestAction { get; init; } = "";

    [Id(8)] public IReadOnlyDictionary<string, string> Profile { get; init; } = new Dictionary<string, string>();
}

/// <summary>How many alerts of a kind and severity stand in a state that is not resolved.</summary>
[GenerateSerializer, Immutable]
public sealed record OpenAlertCount(
    [property: Id(0)] AlertKind Kind,
    [property: Id(1)] AlertSeverity Severity,
    [property: Id(2)] AlertState State,
    [property: Id(3)] long Count);

/// <summary>A reason to raise (or refresh) the customer's open alert of a kind.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertCause(
    [property: Id(0)] AlertKind Kind,
    [property: Id(1)] AlertSeverity Severity,
    [property: Id(2)] string Title,
    [property: Id(3)] IReadOnlyList<string> Reasons,
    [property: Id(4)] string Team,
    [property: Id(5)] AlertContext Context,
    [property: Id(6)] DateTimeOffset At);

/// <summary>Thrown for a command that does not fit the alert (resolved already, unknown, or not the caller's team).</summary>
[GenerateSerializer]
public sealed class AlertCommandException(string message) : Exception(message);
