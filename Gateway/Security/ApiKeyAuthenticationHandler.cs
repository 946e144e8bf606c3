using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Security;

/// <summary>
/// Every call carries a key: <c>authorization: Bearer &lt;key&gt;</c>, or the <c>access_token</c> query
/// parameter that SignalR clients use for WebSockets. The key's grant becomes the caller's role.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    KeyRing keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TeamClaim = "engagement:team";

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
        var query = Request.Query["access_token"].ToString();
        return query.Length > 0 ? query : null;
    }
}
