using Engagement.Contracts;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Engagement.Gateway.Hosting;

/// <summary>
/// A read or command whose grain call fails because a silo went away, the call timed out or the store did not answer
/// is answered <c>UNAVAILABLE</c> with the reason (retry it), not <c>UNKNOWN</c>: clients retry on UNAVAILABLE only.
/// Ingest maps these itself with the batch id; this covers every other service.
/// </summary>
public sealed class EngineUnavailableInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private static bool IsUnavailable(Exception ex) => ex is TimeoutException or OrleansException or StoreUnavailableException;

    private static RpcException Unavailable(Exception ex) => new(new Status(StatusCode.Unavailable,
        $"the engine did not answer ({ex.GetType().Name}): a silo may have gone away; retry", ex));
}
