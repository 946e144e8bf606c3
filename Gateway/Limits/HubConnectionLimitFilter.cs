using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Limits;

/// <summary>
/// At most <see cref="LimitsOptions.HubConnectionsPerKey"/> SignalR connections per key on this gateway (both hubs
/// together); one more is closed at connect with a hub error that says so (SignalR passes a HubException's message on).
/// </summary>
public sealed class HubConnectionLimitFilter(KeyQuotas quotas, IOptions<EngagementOptions> options) : IHubFilter
{
    public const string Surface = "hub-connections";

    private static readonly object LeaseItem = new();

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var max = options.Value.Limits.HubConnectionsPerKey;
        var key = KeyQuotas.KeyOf(context.Context.User);
        var lease = quotas.TryAcquire(Surface, key, max) ?? throw new HubException(
            $"resource exhausted: key '{key}' holds {max} hub connections on this gateway already (Engagement:Limits:HubConnectionsPerKey): close one before opening another");
        context.Context.Items[LeaseItem] = lease;
        try
        {
            await next(context);
        }
        catch
        {
            context.Context.Items.Remove(LeaseItem);
            lease.Dispose();
            throw;
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            if (context.Context.Items.Remove(LeaseItem, out var lease)) ((IDisposable)lease!).Dispose();
        }
    }
}
