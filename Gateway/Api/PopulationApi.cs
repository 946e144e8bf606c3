using Engagement.Contracts.Population;
using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Engagement.Gateway.Api;

/// <summary>
/// The population over HTTP: its statistics and its flow (stage and tier moves of the last hour, the stage × tier
/// grid) for everyone who reads customers, and a refit on demand for admins (<c>POST /api/population/refit?asOf=1997-09-30</c>).
/// </summary>
public static class PopulationApi
{
    public static void MapPopulationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/population");
        group.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<IPopulationGrain>(0).Current()))
            .RequireAuthorization(Policies.ReadCustomers);
        group.MapGet("/flow", async (IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<IPopulationFlowGrain>(0).Flow()))
            .RequireAuthorization(Policies.ReadCustomers);
        group.MapPost("/refit", Refit).RequireAuthorization(Policies.Admin);
        // The sweep that follows a refit or a rules change: state, buckets and customers done, changed, woken.
        group.MapGet("/sweep", async (IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<IPopulationSweepGrain>(0).Progress()))
            .RequireAuthorization(Policies.Admin);
    }

    private static async Task<Results<Ok<PopulationSnapshot>, ProblemHttpResult>> Refit(IGrainFactory grains, string? asOf)
    {
        DateTimeOffset? at = null;
        if (!string.IsNullOrWhiteSpace(asOf))
        {
            if (!DateTimeOffset.TryParse(asOf, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid asOf",
                    detail: $"asOf: '{asOf}' is not a date or time (use ISO 8601, e.g. 1997-09-30 or 2026-11-23T10:00:00Z)");
            }
            at = parsed;
        }
        return TypedResults.Ok(await grains.GetGrain<IPopulationGrain>(0).Refit(at));
    }
}
