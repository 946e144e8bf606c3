using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Security;

/// <summary>
/// Every call carries a key: <c>authorization: Bearer &lt;key&gt;</c>, or, on the hubs only (<c>/hubs/*</c>), the
/// <c>access_token</c> query parameter that SignalR clients must use for WebSockets and server-sent events. A key in a
/// URL ends up in logs and histories, so nowhere else takes one. The key's grant becomes the caller's role.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    KeyRing keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TeamClaim = "engagement:team";

    /// <summary>Where SignalR's hubs are mapped: the only paths that take a key in the query string.</summary>
    public static readonly PathString HubsPath = new("/hubs");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey();
        if (key is null) return Task.FromResult(AuthenticateResult.NoResult());
        var found = keys.Find(key);
        KeyMetrics.Record(found, Request);
        if (found is not { } grant) return Task.FromResult(AuthenticateResult.Fail("The key is not known."));

        var claims = new List<Claim> { new(ClaimTypes.Name, grant.Name), new(ClaimTypes.Role, grant.Role) };
        claims.AddRange(grant.Teams.Select(team => new Claim(TeamClaim, team)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    private string? ReadKey()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var key = header["Bearer ".Length..].Trim();
            return key.Length > 0 ? key : null;
        }
        if (!Request.Path.StartsWithSegments(HubsPath)) return null;
        var query = Request.Query["access_token"].ToString();
        return query.Length > 0 ? query : null;
    }
}
