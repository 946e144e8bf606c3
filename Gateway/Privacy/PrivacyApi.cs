using System.Security.Claims;
using Engagement.Contracts.Privacy;
using Engagement.Gateway.Api;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Privacy;

/// <summary>
/// A person's data over HTTP (issue 17): <c>DELETE /api/customers/{id}</c> erases (admin) and answers with the audit
/// record once every copy is gone; <c>GET /api/erasures/{erasureId}</c> reads that record again (admin);
/// <c>GET /api/customers/{id}/export</c> is the person's document (admin, integration: the systems that answer a
/// person's access request on the business's behalf).
/// </summary>
public static class PrivacyApi
{
    public static void MapPrivacyApi(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/api/customers/{customerId}", Erase).RequireAuthorization(Policies.Admin);
        app.MapGet("/api/erasures/{erasureId}", Erasure).RequireAuthorization(Policies.Admin);
        app.MapGet("/api/customers/{customerId}/export", Export).RequireAuthorization(Policies.Integrate);
    }

    private static async Task<Results<Ok<ErasureReceipt>, ValidationProblem, ProblemHttpResult>> Erase(
        string customerId, IGrainFactory grains, IOptions<IngestOptions> ingest, ClaimsPrincipal user)
    {
        if (IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } problem) return ApiProblems.Invalid("customerId", problem);
        try
        {
            return TypedResults.Ok(await grains.GetGrain<IPrivacyGrain>(0).EraseCustomer(customerId, RequesterOf(user)));
        }
        catch (ErasureFailedException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Erasure not finished", detail: ex.Message);
        }
    }

    private static async Task<Results<Ok<ErasureReceipt>, ProblemHttpResult>> Erasure(string erasureId, IGrainFactory grains) =>
        await grains.GetGrain<IPrivacyGrain>(0).Erasure(erasureId) is { } receipt
            ? TypedResults.Ok(receipt)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such erasure", detail: $"erasureId: no erasure '{erasureId}'");

    private static async Task<IResult> Export(string customerId, PersonalDataExport export, IOptions<IngestOptions> ingest, HttpContext http)
    {
        if (IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } problem) return ApiProblems.Invalid("customerId", problem);
        if (await export.CardAsync(customerId) is not { } card)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such customer", detail: $"customerId: no customer '{customerId}'");
        }
        http.Response.ContentType = "application/json; charset=utf-8";
        await export.WriteAsync(card, async (bytes, token) => await http.Response.Body.WriteAsync(bytes, token), http.RequestAborted);
        return TypedResults.Empty;
    }

    /// <summary>The name of the key that asked (its configured name, never the key).</summary>
    public static string RequesterOf(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "unknown";
}
