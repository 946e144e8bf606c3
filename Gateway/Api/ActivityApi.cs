using Engagement.Contracts.Activity;
using Engagement.Gateway.Security;

namespace Engagement.Gateway.Api;

/// <summary>
/// <c>GET /api/activity</c>: accepted events per channel in 5-second buckets over the last five minutes,
/// across every gateway (a live gauge, kept in memory).
/// </summary>
public static class ActivityApi
{
    public static void MapActivityApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/activity", async (IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<IActivityGrain>(0).Rates()))
            .RequireAuthorization(Policies.ReadCustomers);
}
