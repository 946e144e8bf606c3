namespace Engagement.Contracts.Customers;

/// <summary>
/// The live view of one customer, as agents see it. The gRPC card and (later) the SignalR card
/// carry the same fields.
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
}

[GenerateSerializer, Immutable]
public sealed record RecentEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] string Channel,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string Summary);
