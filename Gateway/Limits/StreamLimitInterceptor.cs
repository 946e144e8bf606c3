using Engagement.Grains.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Limits;

/// <summary>
/// At most <see cref="LimitsOptions.StreamsPerKey"/> gRPC streams (ingest streams, card and alert watches) per key on
/// this gateway; one more is answered <c>RESOURCE_EXHAUSTED</c> with the limit in words. Unary calls are not counted
/// (they end by themselves).
/// </summary>
public sealed class StreamLimitInterceptor(KeyQuotas quotas, IOptions<EngagementOptions> options) : Interceptor
{
    public const string Surface = "grpc-streams";

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var lease = Acquire(context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var lease = Acquire(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var lease = Acquire(context);
        await continuation(requestStream, responseStream, context);
    }

    private IDisposable Acquire(ServerCallContext context)
    {
        var max = options.Value.Limits.StreamsPerKey;
        var key = KeyQuotas.KeyOf(context.GetHttpContext().User);
        return quotas.TryAcquire(Surface, key, max) ?? throw new RpcException(new Status(StatusCode.ResourceExhausted,
            $"key '{key}' holds {max} streams on this gateway already (Engagement:Limits:StreamsPerKey): end one before opening another"));
    }
}
