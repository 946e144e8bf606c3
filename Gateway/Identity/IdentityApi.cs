using System.Security.Claims;
using Engagement.Contracts.Identity;
using Engagement.Gateway.Api;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Engagement.Grains.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Identity;

/// <summary>
/// A customer's identifiers and merges over HTTP (issue 17): <c>GET /api/customers/{id}/identifiers</c> (as reading the
/// customer), <c>POST /api/customers/{id}/merge</c> and <c>/unmerge</c> with <c>{"from", "reason"}</c> (admin or
/// integration), and <c>GET /api/admin/identity/conflicts</c> (admin, paged by <c>after</c>).
/// </summary>
public static class IdentityApi
{
    public const int DefaultConflicts = 50;
    public const int MaxConflicts = 500;

    public static void MapIdentityApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/customers/{id}/identifiers", Identifiers).RequireAuthorization(Policies.ReadCustomers);
        app.MapPost("/api/customers/{id}/merge", Merge).RequireAuthorization(Policies.Integrate);
        app.MapPost("/api/customers/{id}/unmerge", Unmerge).RequireAuthorization(Policies.Integrate);
        app.MapGet("/api/admin/identity/conflicts", Conflicts).RequireAuthorization(Policies.Admin);
    }

    /// <summary>The body of a merge or unmerge: the customer to take in (give back) and why.</summary>
    public sealed record MergeBody(string? From, string? Reason);

    /// <summary>A page of conflicts; <see cref="Next"/> is the <c>after</c> of the next page, null on the last.</summary>
    public sealed record ConflictPage(IReadOnlyList<IdentityConflictView> Items, long? Next);

    private static async Task<Results<Ok<CustomerIdentifiers>, ProblemHttpResult, ValidationProblem>> Identifiers(
        IGrainFactory grains, CustomerReadScope scope, IOptions<IngestOptions> ingest, HttpContext http, string id)
    {
        if (IdCheck.Problem(id, ingest.Value.MaxIdLength) is { } problem) return ApiProblems.Invalid("id", problem);
        if (await scope.RefusalAsync(http.User, id) is { } refusal)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Another team's customer", detail: $"id: {refusal}");
        }
        if (!await grains.GetGrain<Contracts.Customers.ICustomerGrain>(id).Exists())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such customer", detail: $"id: no customer '{id}'");
        }
        return TypedResults.Ok(await grains.GetGrain<IIdentityGrain>(0).Identifiers(id));
    }

    private static async Task<Results<Ok<MergeOutcome>, ProblemHttpResult, ValidationProblem>> Merge(
        IGrainFactory grains, IdentityRedirects redirects, IOptions<IngestOptions> ingest, HttpContext http, string id, MergeBody? body)
    {
        if (Check(id, body, ingest.Value.MaxIdLength) is { } invalid) return invalid;
        try
        {
            var outcome = await grains.GetGrain<IIdentityGrain>(0).Merge(id, body!.From!, ActorOf(http.User), body.Reason!);
            redirects.Merged(outcome.From, outcome.Into);
            return TypedResults.Ok(outcome);
        }
        catch (IdentityRefusedException refused)
        {
            return Refused<MergeOutcome>(refused);
        }
    }

    private static async Task<Results<Ok<UnmergeOutcome>, ProblemHttpResult, ValidationProblem>> Unmerge(
        IGrainFactory grains, IdentityRedirects redirects, IOptions<IngestOptions> ingest, HttpContext http, string id, MergeBody? body)
    {
        if (Check(id, body, ingest.Value.MaxIdLength) is { } invalid) return invalid;
        try
        {
            var outcome = await grains.GetGrain<IIdentityGrain>(0).Unmerge(id, body!.From!, ActorOf(http.User), body.Reason!);
            redirects.Unmerged(outcome.From);
            return TypedResults.Ok(outcome);
        }
        catch (IdentityRefusedException refused)
        {
            return Refused<UnmergeOutcome>(refused);
        }
    }

    private static async Task<Results<Ok<ConflictPage>, ValidationProblem>> Conflicts(IGrainFactory grains, string? after, string? limit)
    {
        var from = 0L;
        if (after is not null && (!long.TryParse(after, out from) || from < 0)) return ApiProblems.Invalid("after", $"'{after}' is not a conflict id");
        var count = DefaultConflicts;
        if (limit is not null && (!int.TryParse(limit, out count) || count is < 1 or > MaxConflicts))
        {
            return ApiProblems.Invalid("limit", $"'{limit}' is not a whole number from 1 to {MaxConflicts}");
        }
        var items = await grains.GetGrain<IIdentityGrain>(0).Conflicts(from, count);
        return TypedResults.Ok(new ConflictPage(items, items.Count == count ? items[^1].Id : null));
    }

    /// <summary>The actor the decision log names: the key's name and role.</summary>
    public static string ActorOf(ClaimsPrincipal user) =>
        $"{user.FindFirstValue(ClaimTypes.Name) ?? "unknown"} ({user.FindFirstValue(ClaimTypes.Role) ?? "no role"})";

    private static ValidationProblem? Check(string id, MergeBody? body, int maxIdLength)
    {
        if (IdCheck.Problem(id, maxIdLength) is { } problem) return ApiProblems.Invalid("id", problem);
        if (body is null) return ApiProblems.Invalid("body", "required: {\"from\": \"<customer id>\", \"reason\": \"...\"}");
        if (IdCheck.Problem(body.From, maxIdLength) is { } from) return ApiProblems.Invalid("from", from);
        if (string.IsNullOrWhiteSpace(body.Reason)) return ApiProblems.Invalid("reason", "required: why, for the decision log");
        if (body.Reason.Trim().Length > IdentityOptions.MaxReasonLength) return ApiProblems.Invalid("reason", $"longer than {IdentityOptions.MaxReasonLength} characters");
        return null;
    }

    private static Results<Ok<T>, ProblemHttpResult, ValidationProblem> Refused<T>(IdentityRefusedException refused) => refused.Refusal switch
    {
        IdentityRefusal.FailedPrecondition => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible now",
            detail: $"{refused.Field}: {refused.Message}"),
        _ => ApiProblems.Invalid(refused.Field, refused.Message),
    };
}
