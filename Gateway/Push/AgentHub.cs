using System.Security.Claims;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Engagement.Grains.Hosting;
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
public sealed class AgentHub(AgentWatches watches, AgentAlerts alerts, AlertCommands commands,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock, IOptions<IngestOptions> ingest, CustomerReadScope readScope) : Hub<IAgentClient>
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
        if (await readScope.RefusalAsync(Context.User, id) is { } refusal) throw new HubException($"permission denied: customerId: {refusal}");
        await watches.WatchAsync(Context.ConnectionId, id, Context.ConnectionAborted, readScope.ScopeOf(Context.User));
        await alerts.SendOpenAlertsAsync(Context.ConnectionId, id, Context.ConnectionAborted);
    }

    /// <summary>Stops the cards of this customer. When it returns, no further card of it reaches the caller.</summary>
    public Task UnwatchCustomer(string customerId) => watches.UnwatchAsync(Context.ConnectionId, CheckCustomerId(customerId));

    /// <summary>Acknowledges an alert assigned to the caller (a supervisor's key: one of its teams'); returns it as it stands.</summary>
    public Task<Alert> Acknowledge(string alertId) => RunAsync(actor => commands.AcknowledgeAsync(Required(alertId, nameof(alertId)), actor));

    /// <summary>Resolves an alert assigned to the caller; the note (what was done) is optional.</summary>
    public Task<Alert> Resolve(string alertId, string? note) => RunAsync(actor => commands.ResolveAsync(Required(alertId, nameof(alertId)), note ?? "", actor));

    /// <summary>
    /// Records what came of a contact about an alert assigned to the caller: <c>Reached</c>, <c>NoAnswer</c>, <c>Retained</c>,
    /// <c>Lost</c> or <c>Callback</c> (with <paramref name="callbackAt"/>). <paramref name="requestId"/>, when given, makes a
    /// repeated call one event with the first call's answer.
    /// </summary>
    public Task<Alert> RecordOutcome(string alertId, string outcome, DateTimeOffset? callbackAt, string? note, string? requestId) => RunAsync(actor =>
    {
        var id = Required(alertId, nameof(alertId));
        var parsed = CaseQueries.Name<AlertOutcome>(outcome ?? "")
            ?? throw new HubException($"invalid argument: outcome: '{outcome}' is not one of {string.Join(", ", Enum.GetNames<AlertOutcome>())}");
        if ((parsed == AlertOutcome.Callback) != callbackAt.HasValue)
        {
            throw new HubException("invalid argument: callbackAt: " + (callbackAt.HasValue ? "only with the outcome Callback" : "required with the outcome Callback"));
        }
        if (requestId is { Length: > 128 }) throw new HubException("invalid argument: requestId: longer than 128 characters");
        return commands.RecordOutcomeAsync(id, parsed, callbackAt, note ?? "", requestId, businessClock.GetUtcNow(), actor);
    });

    private async Task<Alert> RunAsync(Func<AlertActor, Task<Alert>> command)
    {
        try
        {
            return await command(AlertActor.Of(Context.User ?? new ClaimsPrincipal()));
        }
        catch (AlertRefusedException ex)
        {
            throw SupervisorHub.ToHubException(ex);
        }
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new HubException($"invalid argument: {name}: required") : value;

    private string CheckCustomerId(string? customerId) =>
        IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } problem ? throw new HubException($"customerId: {problem}") : customerId!;
}
