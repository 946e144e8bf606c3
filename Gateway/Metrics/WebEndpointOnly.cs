using Microsoft.AspNetCore.Routing.Matching;

namespace Engagement.Gateway.Metrics;

/// <summary>Endpoint metadata: served on the gateway's <c>Web</c> Kestrel endpoint only, never on its <c>Grpc</c> one.</summary>
public sealed class WebEndpointOnly;

/// <summary>
/// Makes an endpoint marked <see cref="WebEndpointOnly"/> unmatched on the <c>Grpc</c> Kestrel endpoint, so that a
/// request there is a plain 404 whatever key it carries. The gateway pins <c>Grpc</c> to HTTP/2 and <c>Web</c> to
/// HTTP/1.1, so the protocol tells them apart (a port would not: either may be configured as port 0).
/// </summary>
public sealed class WebEndpointOnlyPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(endpoint => endpoint.Metadata.GetMetadata<WebEndpointOnly>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        if (IsWeb(httpContext.Request)) return Task.CompletedTask;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<WebEndpointOnly>() is not null)
            {
                candidates.SetValidity(i, false);
            }
        }
        return Task.CompletedTask;
    }

    private static bool IsWeb(HttpRequest request) => HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol);
}
