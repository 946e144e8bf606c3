using Engagement.Contracts.Activity;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Engagement.Gateway.Api;

/// <summary>
/// How an agent opens a customer: <c>GET /api/customers/lookup?q=</c> by id, email address or phone number, and
/// <c>GET /api/customers/recent?limit=</c>, the customers active last across every gateway.
/// </summary>
public static class CustomerLookupApi
{
    public const int MaxQueryLength = 256;
    public const int DefaultRecent = 20;
    public const int MaxRecent = 100;

    public static void MapCustomerLookupApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/customers").RequireAuthorization(Policies.ReadCustomers);
        group.MapGet("/lookup", Lookup);
        group.MapGet("/recent", Recent);
        group.MapGet("/search", Search);
    }

    public const int MinSearchLength = 2;
    public const int MaxSearchResults = 20;

    /// <summary>Customers whose id, id number, name or email address starts with <c>q</c>: from the digests' indexes, at most 20.</summary>
    private static async Task<Results<Ok<IReadOnlyList<CustomerSearchHit>>, ValidationProblem>> Search(IGrainFactory grains, CustomerReadScope scope, HttpContext http, string? q)
    {
        var text = q?.Trim() ?? "";
        if (text.Length < MinSearchLength) return ApiProblems.Invalid("q", $"at least {MinSearchLength} characters: part of an id, a number, a name or an email address");
        if (text.Length > MaxQueryLength) return ApiProblems.Invalid("q", $"longer than {MaxQueryLength} characters");
        return TypedResults.Ok(await scope.VisibleAsync(http.User, await grains.GetGrain<ICustomerDirectoryGrain>(0).Search(text, MaxSearchResults), h => h.CustomerId));
    }

    /// <summary>The one customer whose id ends in the number (<c>1234</c>: <c>cdnow-1234</c>), when exactly one does.</summary>
    private static async Task<CustomerMatch?> ByNumberAsync(IGrainFactory grains, string text)
    {
        if (text.Length == 0 || !text.All(char.IsAsciiDigit)) return null;
        var hits = (await grains.GetGrain<ICustomerDirectoryGrain>(0).Search(text, MaxSearchResults))
            .Where(h => h.CustomerId.EndsWith(text, StringComparison.Ordinal) && (h.CustomerId.Length == text.Length || !char.IsAsciiDigit(h.CustomerId[^(text.Length + 1)])))
            .ToList();
        return hits.Count == 1 ? new CustomerMatch(hits[0].CustomerId, "number") : null;
    }

    private static async Task<Results<Ok<CustomerMatch>, ProblemHttpResult, ValidationProblem>> Lookup(IGrainFactory grains, CustomerReadScope scope, HttpContext http, string? q)
    {
        if (string.IsNullOrWhiteSpace(q)) return ApiProblems.Invalid("q", "required: a customer id, an email address or a phone number");
        if (q.Length > MaxQueryLength) return ApiProblems.Invalid("q", $"longer than {MaxQueryLength} characters");
        var found = await grains.GetGrain<ICustomerDirectoryGrain>(0).Lookup(q) ?? await ByNumberAsync(grains, q.Trim());
        if (found is not null && await scope.RefusalAsync(http.User, found.CustomerId) is { } refusal)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Another team's customer", detail: $"q: {refusal}");
        }
        return found is { } match
            ? TypedResults.Ok(match)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such customer",
                detail: $"q: no customer has the id, email address or phone number '{q.Trim()}'");
    }

    private static async Task<Results<Ok<IReadOnlyList<RecentCustomer>>, ValidationProblem>> Recent(IGrainFactory grains, CustomerReadScope scope, HttpContext http, string? limit)
    {
        var count = DefaultRecent;
        if (limit is not null && (!int.TryParse(limit, out count) || count is < 1 or > MaxRecent))
        {
            return ApiProblems.Invalid("limit", $"'{limit}' is not a whole number from 1 to {MaxRecent}");
        }
        if (scope.ScopeOf(http.User) is null) return TypedResults.Ok(await grains.GetGrain<IActivityGrain>(0).Recent(count));
        // Scoped: the most recent of this key's teams among the most recent overall.
        var visible = await scope.VisibleAsync(http.User, await grains.GetGrain<IActivityGrain>(0).Recent(MaxRecent), r => r.CustomerId);
        return TypedResults.Ok<IReadOnlyList<RecentCustomer>>([.. visible.Take(count)]);
    }
}

/// <summary>Problem details for bad input: the field, and why, in <c>errors</c> and in <c>detail</c>.</summary>
public static class ApiProblems
{
    public static ValidationProblem Invalid(string field, string reason) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, detail: $"{field}: {reason}", title: $"Invalid {field}");
}
