using Engagement.Gateway.Demo;
using Engagement.Gateway.Ingest;
using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engagement.Gateway.Hosting;

/// <summary>Kestrel's two named endpoints, and what every gRPC service of the gateway shares.</summary>
public static class GrpcEndpoints
{
    /// <summary>
    /// The named endpoints keep their roles whatever their URLs: gRPC needs HTTP/2 without TLS (prior knowledge),
    /// browsers and SignalR want HTTP/1.1. The demo feed calls the <c>Grpc</c> endpoint as bound.
    /// </summary>
    public static OwnGrpcEndpoint ConfigureEngagementEndpoints(this WebApplicationBuilder builder)
    {
        var ownGrpc = new OwnGrpcEndpoint();
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: false)
            .Endpoint("Grpc", endpoint =>
            {
                endpoint.ListenOptions.Protocols = HttpProtocols.Http2;
                ownGrpc.Capture(endpoint.ListenOptions);
            })
            .Endpoint("Web", endpoint => endpoint.ListenOptions.Protocols = HttpProtocols.Http1));
        return ownGrpc;
    }

    /// <summary>gRPC with reflection and health (the engine answers when a silo does), and problem details for HTTP.</summary>
    public static void AddEngagementGrpc(this WebApplicationBuilder builder, IngestOptions ingest)
    {
        builder.Services.AddGrpc(o =>
        {
            // Room above the batch limit, so that an oversize batch gets a clear InvalidArgument from the
            // ingest check instead of the transport's ResourceExhausted.
            o.MaxReceiveMessageSize = checked(ingest.MaxBatchBytes * 2);
            o.Interceptors.Add<EngineUnavailableInterceptor>();
            o.Interceptors.Add<Limits.StreamLimitInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddProblemDetails();
        builder.Services.AddGrpcHealthChecks().AddCheck<EngineHealthCheck>("engine");
    }

    /// <summary>Reflection (as <c>Engagement:Reflection</c> allows), gRPC health and <c>/health</c>.</summary>
    public static void MapEngagementHealth(this IEndpointRouteBuilder app, ReflectionAccess reflection)
    {
        if (reflection == ReflectionAccess.Anonymous) app.MapGrpcReflectionService();
        else if (reflection == ReflectionAccess.Keyed) app.MapGrpcReflectionService().RequireAuthorization();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/health");
    }

    /// <summary>
    /// Each Kestrel endpoint serves its own surface only: the <c>Grpc</c> endpoint (HTTP/2) gRPC calls and <c>/health</c>;
    /// the <c>Web</c> endpoint (HTTP/1.1) the console, the HTTP API, the hubs, the dashboard and <c>/metrics</c>. Anything
    /// else that reaches the gRPC endpoint is answered 404, so the admin API and the console are not one port scan away
    /// from the channels' port. The two endpoints are told apart by protocol, which <see cref="ConfigureEngagementEndpoints"/> fixes.
    /// </summary>
    public static IApplicationBuilder UseOneSurfacePerEndpoint(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        var onGrpcEndpoint = HttpProtocol.IsHttp2(request.Protocol);
        var isGrpcCall = request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
        if (onGrpcEndpoint && !isGrpcCall && !request.Path.StartsWithSegments("/health"))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return next(context);
    });
}
