using Orleans.Concurrency;

namespace Engagement.Contracts.Customers;

/// <summary>
/// Finds a customer for an agent who has an id, an email address or a phone number. The precedence is the
/// agent's intent: an existing customer id first, then an email address (the query has an '@'), then a phone.
/// </summary>
public interface ICustomerDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>The customer the query names, or null when none does.</summary>
    Task<CustomerMatch?> Lookup(string query);

    /// <summary>
    /// The at-risk customers (stage AtRisk or Lapsed) of the given teams (every team when null), the most money at risk
    /// first, at most <paramref name="limit"/>: from the customers' digests in the store, not from their grains.
    /// </summary>
    Task<IReadOnlyList<AtRiskCustomer>> AtRisk(IReadOnlyList<string>? teams, int limit);

    /// <summary>Customers whose id, id number, name or email address starts with the text, at most <paramref name="limit"/> (from the digests).</summary>
    Task<IReadOnlyList<CustomerSearchHit>> Search(string text, int limit);
}

/// <summary>A customer a search found.</summary>
[GenerateSerializer, Immutable]
public sealed record CustomerSearchHit(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string? Name,
    [property: Id(2)] string Stage,
    [property: Id(3)] string Tier);

/// <summary>A customer at risk, as an agent's worklist lists it.</summary>
[GenerateSerializer, Immutable]
public sealed record AtRiskCustomer
{
    [Id(0)] public required string CustomerId { get; init; }

    [Id(1)] public string? Name { get; init; }

    [Id(2)] public string Stage { get; init; } = "";

    [Id(3)] public string Tier { get; init; } = "";

    [Id(4)] public double Clv { get; init; }

    [Id(5)] public double ChurnRisk { get; init; }

    /// <summary>CLV × churn risk, in <see cref="Currency"/>.</summary>
    [Id(6)] public double ExpectedLoss { get; init; }

    [Id(7)] public string Currency { get; init; } = "USD";

    [Id(8)] public DateTimeOffset? LastPurchaseAt { get; init; }
}

/// <summary>A customer found by a lookup, and by what: <c>id</c>, <c>email</c> or <c>phone</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record CustomerMatch([property: Id(0)] string CustomerId, [property: Id(1)] string MatchedBy);
