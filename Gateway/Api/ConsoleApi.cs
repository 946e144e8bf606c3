using System.Security.Claims;
using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Engagement.Gateway.Api;

/// <summary>
/// Who the caller is (<c>GET /api/me</c>), so the web console shows what the key may do. The abilities are the
/// authorization policies' own answers, not a second copy of the role table.
/// </summary>
public static class ConsoleApi
{
    public static void MapConsoleApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/me", Me).RequireAuthorization();

    private static async Task<Ok<Caller>> Me(ClaimsPrincipal user, IAuthorizationService authorization)
    {
        async Task<bool> May(string policy) => (await authorization.AuthorizeAsync(user, policy)).Succeeded;
        return TypedResults.Ok(new Caller(
            user.Identity?.Name ?? "",
            user.FindFirstValue(ClaimTypes.Role) ?? "",
            [.. user.FindAll(ApiKeyAuthenticationHandler.TeamClaim).Select(c => c.Value)],
            await May(Policies.ReadCustomers),
            await May(Policies.SuperviseAlerts),
            await May(Policies.Admin)));
    }
}

/// <summary>The caller's key: its name, role, teams ("*" for all) and what it may do.</summary>
public sealed record Caller(string Name, string Role, IReadOnlyList<string> Teams, bool CanReadCustomers, bool CanSupervise, bool CanAdmin);
