using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engagement.Gateway.Demo;

/// <summary>
/// This gateway's own <c>Grpc</c> endpoint as Kestrel bound it (a port 0 resolved to the real one), so that the
/// demo feed can call the public ingest like any channel, on loopback when the endpoint listens on every address.
/// </summary>
public sealed class OwnGrpcEndpoint
{
    private volatile ListenOptions? _listen;

    /// <summary>Called by the Kestrel configuration of the <c>Grpc</c> endpoint.</summary>
    public void Capture(ListenOptions listen) => _listen = listen;

    /// <exception cref="InvalidOperationException">No Grpc endpoint on an IP address is bound.</exception>
    public Uri Address
    {
        get
        {
            var endpoint = _listen?.IPEndPoint;
            if (endpoint is null || endpoint.Port == 0)
            {
                throw new InvalidOperationException("The gateway has no Grpc endpoint bound to an IP address (Kestrel:Endpoints:Grpc:Url).");
            }
            var address = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
                : endpoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
                : endpoint.Address;
            return new UriBuilder(Uri.UriSchemeHttp, address.ToString(), endpoint.Port).Uri;
        }
    }
}
