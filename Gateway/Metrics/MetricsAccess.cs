using System.Net;
using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Authorization;

namespace Engagement.Gateway.Metrics;

/// <summary>
/// Who may scrape: a key of the <c>admin</c> role, or anyone connecting from an allowed network. The rule is an
/// authorization policy, so a refusal is the usual one: no key (or an unknown one) 401, another role 403.
/// </summary>
public static class MetricsAccess
{
    public const string Policy = "metrics";

    public static AuthorizationPolicy Build(IReadOnlyList<IPNetwork> allowedNetworks) => new AuthorizationPolicyBuilder()
        .RequireAssertion(context => context.User.IsInRole(Roles.Admin)
            || (context.Resource is HttpContext http && FromAllowedNetwork(http.Connection.RemoteIpAddress, allowedNetworks)))
        .Build();

    public static bool FromAllowedNetwork(IPAddress? remote, IReadOnlyList<IPNetwork> allowedNetworks)
    {
        if (remote is null || allowedNetworks.Count == 0) return false;
        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d; the configured networks are written as IPv4.
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return allowedNetworks.Any(network => network.Contains(address));
    }
}
