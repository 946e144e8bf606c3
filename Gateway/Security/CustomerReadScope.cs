using System.Security.Claims;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Alerts;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Security;

/// <summary>How customer reads are scoped (<c>Engagement:Security</c>).</summary>
public sealed class CustomerReadOptions
{
    public const string Section = "Engagement:Security";

    /// <summary>
    /// When on, a key with teams (not "*") reads only customers of its teams: <c>Customers.Get</c>/<c>Watch</c>, the agent
    /// hub's <c>WatchCustomer</c> and <c>/api/customers/lookup</c> answer permission denied (403) for another team's
    /// customer, and <c>/api/customers/recent</c> and <c>/search</c> leave them out. Off by default: the embedded engine
    /// usually serves one team, and its keys see every team.
    /// </summary>
    public bool ScopeCustomerReads { get; set; }
}

/// <summary>Whether a caller may read a customer, by the customer's team and the teams of the caller's key.</summary>
public sealed class CustomerReadScope(IGrainFactory grains, IOptions<CustomerReadOptions> options)
{
    /// <summary>The teams the caller reads, or null when it reads every customer (scoping off, or a key of every team).</summary>
    public TeamScope? ScopeOf(ClaimsPrincipal? user) =>
        options.Value.ScopeCustomerReads && TeamScope.Of(user ?? new ClaimsPrincipal()) is { Teams: not null } scope ? scope : null;

    /// <summary>A card the caller may see: one of its teams' (a card without a team is not held back).</summary>
    public static bool Shows(TeamScope? scope, CustomerCard card) => scope is null || card.Team is null || scope.Sees(card.Team);

    /// <summary>
    /// Null when the caller may read the customer (a customer not yet known has nothing to show, so it may be watched);
    /// otherwise why not, for a permission-denied answer.
    /// </summary>
    public async Task<string?> RefusalAsync(ClaimsPrincipal? user, string customerId)
    {
        if (ScopeOf(user) is not { } scope) return null;
        var team = await grains.GetGrain<ICustomerGrain>(customerId).Team();
        return team is null || scope.Sees(team) ? null : $"customer '{customerId}' belongs to another team than this key's";
    }

    /// <summary>The items whose customers the caller may read, in their order.</summary>
    public async Task<IReadOnlyList<T>> VisibleAsync<T>(ClaimsPrincipal? user, IReadOnlyList<T> items, Func<T, string> customerId)
    {
        if (ScopeOf(user) is not { } scope) return items;
        var teams = await Task.WhenAll(items.Select(item => grains.GetGrain<ICustomerGrain>(customerId(item)).Team()));
        return [.. items.Where((_, i) => teams[i] is { } team && scope.Sees(team))];
    }
}
