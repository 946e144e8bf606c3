using System.Runtime.Serialization;
using System.Text.Json.Serialization;

namespace Engagement.Contracts.Customers;

/// <summary>
/// The live view of one customer, as agents see it. The gRPC card (<c>customers.proto</c>, mapped by the
/// gateway's CardMapper) and the SignalR card (this record as JSON) carry the same fields; the web console
/// shows them or names the ones it does not. Tests/Mapping and Tests/WebConsole fail on a field one side lacks.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CustomerCard
{
    [Id(0)] public required string CustomerId { get; init; }

    /// <summary>Rises with every applied change.</summary>
    [Id(1)] public long Version { get; init; }

    [Id(2)] public long EventCount { get; init; }

    [Id(3)] public int PurchaseDays { get; init; }

    [Id(4)] public int PurchaseCount { get; init; }

    [Id(5)] public decimal TotalSpend { get; init; }

    [Id(6)] public decimal Refunded { get; init; }

    [Id(7)] public DateTimeOffset? FirstPurchaseAt { get; init; }

    [Id(8)] public DateTimeOffset? LastPurchaseAt { get; init; }

    [Id(9)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The latest events by event time, newest first.</summary>
    [Id(10)] public IReadOnlyList<RecentEvent> RecentEvents { get; init; } = [];

    [Id(11)] public IReadOnlyDictionary<string, string> Profile { get; init; } = new Dictionary<string, string>();

    /// <summary>Lifecycle stage (Prospect, New, Repeat, Loyal, AtRisk, Lapsed, Churned, WonBack) and since when.</summary>
    [Id(12)] public string Stage { get; init; } = "";

    [Id(13)] public DateTimeOffset? StageSince { get; init; }

    /// <summary>Value tier: A, B or C, with a CLV band when configured (e.g. "A/Gold").</summary>
    [Id(14)] public string Tier { get; init; } = "";

    [Id(15)] public DateTimeOffset? TierSince { get; init; }

    /// <summary>RFM cell such as "535", empty before the first population fit or without purchases.</summary>
    [Id(16)] public string RfmCell { get; init; } = "";

    [Id(17)] public string RfmGroup { get; init; } = "";

    [Id(18)] public IReadOnlyList<string> Segments { get; init; } = [];

    /// <summary>Engagement score 0..100, decayed to the card's time.</summary>
    [Id(19)] public double Engagement { get; init; }

    [Id(20)] public SatisfactionView Satisfaction { get; init; } = new();

    [Id(21)] public double ProbabilityAlive { get; init; }

    [Id(22)] public double Clv { get; init; }

    [Id(23)] public double ExpectedPurchases { get; init; }

    [Id(24)] public double ExpectedSpend { get; init; }

    /// <summary>Churn risk 0..1, its band, and every contribution to it.</summary>
    [Id(25)] public double ChurnRisk { get; init; }

    [Id(26)] public string RiskBand { get; init; } = "";

    [Id(27)] public IReadOnlyList<ChurnReasonView> ChurnReasons { get; init; } = [];

    [Id(28)] public ActionView NextBestAction { get; init; } = new("", "", "");

    /// <summary>Stage, tier and risk changes with their causes, newest first.</summary>
    [Id(29)] public IReadOnlyList<DecisionView> DecisionLog { get; init; } = [];

    /// <summary>The population statistics (RFM cuts, ABC thresholds, model parameters) the card was computed with.</summary>
    [Id(30)] public long PopulationVersion { get; init; }

    /// <summary>The time the computed fields are as of.</summary>
    [Id(31)] public DateTimeOffset EvaluatedAt { get; init; }

    /// <summary>When silence alone will move the churn risk into the next band, if nothing happens before (none when it cannot).</summary>
    [Id(32)] public DateTimeOffset? RiskRisesAt { get; init; }

    /// <summary>
    /// On a card pushed because events were applied: when the customer's grain had them durably (its silo's
    /// clock), from which the gateway measures push latency. Null on every other card. Not part of the card
    /// that clients see (SignalR's JSON and MessagePack skip it; the gRPC card has no such field).
    /// </summary>
    [Id(33), JsonIgnore, IgnoreDataMember] public DateTimeOffset? AcceptedAt { get; init; }

    /// <summary>What moved <see cref="Engagement"/> lately, newest first: each scored event, its points and the score after.</summary>
    [Id(34)] public IReadOnlyList<EngagementContributionView> EngagementContributions { get; init; } = [];

    /// <summary>The ISO 4217 currency of the card's money (spend, CLV, expected spend).</summary>
    [Id(35)] public string Currency { get; init; } = "USD";

    /// <summary>The days ahead that <see cref="ExpectedPurchases"/>, <see cref="ExpectedSpend"/> and <see cref="Clv"/> look (the rules' CLV horizon).</summary>
    [Id(36)] public int HorizonDays { get; init; }

    /// <summary>
    /// The customer's team (<c>Engagement:Alerts:TeamAttribute</c> mapped), so that a gateway scoping customer reads by
    /// team (<c>Engagement:Security:ScopeCustomerReads</c>) can hold back a card of another team. Inside the engine only.
    /// </summary>
    [Id(37), JsonIgnore, IgnoreDataMember] public string? Team { get; init; }
}

/// <summary>One event's effect on the engagement score: its points and the score (0..100) just after it.</summary>
[GenerateSerializer, Immutable]
public sealed record EngagementContributionView(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Cause,
    [property: Id(2)] double Points,
    [property: Id(3)] double ScoreAfter);

[GenerateSerializer, Immutable]
public sealed record SatisfactionView
{
    [Id(0)] public double? CsatMean { get; init; }

    [Id(1)] public int CsatAnswers { get; init; }

    [Id(2)] public int? LastNps { get; init; }

    [Id(3)] public string NpsCategory { get; init; } = "";

    [Id(4)] public IReadOnlyList<ComplaintView> OpenComplaints { get; init; } = [];
}

[GenerateSerializer, Immutable]
public sealed record ComplaintView(
    [property: Id(0)] string TicketId,
    [property: Id(1)] string Severity,
    [property: Id(2)] DateTimeOffset OpenedAt,
    [property: Id(3)] double AgeDays,
    [property: Id(4)] bool Overdue);

[GenerateSerializer, Immutable]
public sealed record ChurnReasonView(
    [property: Id(0)] string Kind,
    [property: Id(1)] double Weight,
    [property: Id(2)] double Contribution,
    [property: Id(3)] string Detail);

[GenerateSerializer, Immutable]
public sealed record ActionView([property: Id(0)] string Kind, [property: Id(1)] string Action, [property: Id(2)] string Reason);

[GenerateSerializer, Immutable]
public sealed record DecisionView(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Kind,
    [property: Id(2)] string From,
    [property: Id(3)] string To,
    [property: Id(4)] string Cause);

[GenerateSerializer, Immutable]
public sealed record RecentEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] string Channel,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string Summary);
