using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// <c>/hubs/agent</c>: the live customer cards an agent's screen shows. A connection watches any
/// number of customers; each watch sends the current card and then every change as <c>card</c>.
/// With JSON the card's fields are camelCase; with MessagePack they carry the C# property names, as
/// SignalR's MessagePack protocol does for every payload.
/// </summary>
/// <remarks>
/// Hub instances live for one call, so the watches belong to <see cref="AgentWatches"/>, keyed by
/// connection id.
/// </remarks>
[Authorize(Policy = Policies.ReadCustomers)]
public sealed class AgentHub(AgentWatches watches) : Hub<IAgentClient>
{
    /// <summary>The server-to-client method that carries a customer card.</summary>
    public const string CardMethod = "card";

    public override Task OnConnectedAsync()
    {
        watches.Connect(Context.ConnectionId);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception) => watches.DisconnectAsync(Context.ConnectionId);

    /// <summary>
    /// Starts sending this customer's cards to the caller: the current one, then every change. A customer
    /// the engine has not seen yet gets its first card with its first event. Watching again is a no-op.
    /// </summary>
    public Task WatchCustomer(string customerId) =>
        watches.WatchAsync(Context.ConnectionId, CheckCustomerId(customerId), Context.ConnectionAborted);

    /// <summary>Stops the cards of this customer. When it returns, no further card of it reaches the caller.</summary>
    public Task UnwatchCustomer(string customerId) => watches.UnwatchAsync(Context.ConnectionId, CheckCustomerId(customerId));

    private static string CheckCustomerId(string? customerId) =>
        string.IsNullOrWhiteSpace(customerId) ? throw new HubException("customerId: required") : customerId;
}
