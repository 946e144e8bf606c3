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
}

/// <summary>A customer found by a lookup, and by what: <c>id</c>, <c>email</c> or <c>phone</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record CustomerMatch([property: Id(0)] string CustomerId, [property: Id(1)] string MatchedBy);

/// <summary>
/// One normalised contact (<c>email:ada@example.com</c>, <c>phone:+15550102000</c>) and the customer who has it,
/// kept in grain storage. Written by that customer's grain only when a profile update changes its contacts;
/// a contact two customers share belongs to the one who claimed it last.
/// </summary>
public interface IContactIndexGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<string?> Owner();

    /// <summary>Makes the customer the contact's owner (idempotent).</summary>
    Task Claim(string customerId);

    /// <summary>Forgets the owner if it is still this customer (idempotent; a later claimer keeps it).</summary>
    Task Release(string customerId);
}
