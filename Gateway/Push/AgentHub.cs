using System.Security.Claims;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Push;

/// <summary>
/// <c>/hubs/agent</c>: the live customer cards an agent's screen shows. A connection watches any
/// number of customers; each watch sends the current card and then every change as <c>card</c>.
/// With JSON the card's fields are camelCase; with MessagePack they carry the C# property names, as
/// SignalR's MessagePack protocol does for every payload. Alerts about watched customers, and alerts
/// assigned to this agent (the key's name), arrive as <c>alert</c>; so does the change that reassigns one of
/// them to someone else (its <c>reassignedFrom</c> names this agent), so the agent's list can drop it.
/// </summary>
/// <remarks>
/// Hub instances live for one call, so the watches belong to <see cref="AgentWatches"/> and the alert
/// routes to <see cref="AgentAlerts"/>, keyed by connection id.
/// </remarks>
[Authorize(Policy = Policies.ReadCustomers)]
public sealed class AgentHub(AgentWatches watches, AgentAlerts alerts, IOptions<IngestOptions> ingest) : Hub<IAgentClient>
{
    /// <summary>The server-to-client method that carries a customer card.</summary>
    public const string CardMethod = "card";

    /// <summary>The server-to-client method that carries an alert (the same as the supervisor hub's).</summary>
    public const string AlertMethod = SupervisorHub.AlertMethod;

    public override async Task OnConnectedAsync()
    {
        watches.Connect(Context.ConnectionId);
        // The key's name is the agent id a supervisor assigns alerts to; what is assigned already comes first.
        await alerts.ConnectAsync(Context, Context.User?.FindFirstValue(ClaimTypes.Name) ?? "");
    }

    public override Task OnDisconnectedAsync(Exception? exception) =>
        Task.WhenAll(alerts.DisconnectAsync(Context.ConnectionId), watches.DisconnectAsync(Context.ConnectionId));

    /// <summary>
    /// Starts sending this customer's cards to the caller: the current one, then every change. A customer
    /// the engine has not seen yet gets its first card with its first event. Watching again is a no-op.
    /// </summary>
    public async Task WatchCustomer(string customerId)
    {
        var id = CheckCustomerId(customerId);
        await watches.WatchAsync(Context.ConnectionId, id, Context.ConnectionAborted);
        await alerts.SendOpenAlertsAsync(Context.ConnectionId, id, Context.ConnectionAborted);
    }

    /// <summary>Stops the cards of this customer. When it returns, no further card of it reaches the caller.</summary>
    public Task UnwatchCustomer(string customerId) => watches.UnwatchAsync(Context.ConnectionId, CheckCustomerId(customerId));

    private string CheckCustomerId(string? customerId) =>
        IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } problem ? throw new HubException($"customerId: {problem}") : customerId!;
}
