using System.Globalization;
using System.Security.Claims;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// <c>/hubs/supervisor</c>: the alerts of the supervisor's teams. On connect the open alerts (oldest
/// first), or with <c>?after=&lt;sequence&gt;</c> exactly the changes after that sequence; then every
/// change live, as <c>alert</c>. The commands act on one alert of the caller's teams and return it as
/// it stands after the change, which also reaches every supervisor who sees that team.
/// </summary>
[Authorize(Policy = Policies.SuperviseAlerts)]
public sealed class SupervisorHub(SupervisorConnections connections, AlertCommands commands) : Hub<IAlertClient>
{
    /// <summary>The server-to-client method that carries an alert.</summary>
    public const string AlertMethod = "alert";

    /// <summary>The server-to-client method that says the backlog was cut (see <see cref="AlertBacklogNotice"/>).</summary>
    public const string BacklogMethod = "backlog";

    /// <summary>The query parameter of a reconnecting client: the highest sequence it has seen.</summary>
    public const string AfterParameter = "after";

    public override Task OnConnectedAsync() =>
        connections.ConnectAsync(Context, TeamScope.Of(Context.User ?? new ClaimsPrincipal()), AfterSequence());

    public override Task OnDisconnectedAsync(Exception? exception) => connections.DisconnectAsync(Context.ConnectionId);

    public Task<Alert> Acknowledge(string alertId) =>
        RunAsync((by, scope) => commands.AcknowledgeAsync(Required(alertId, nameof(alertId)), by, scope));

    public Task<Alert> Assign(string alertId, string agentId) =>
        RunAsync((by, scope) => commands.AssignAsync(Required(alertId, nameof(alertId)), Required(agentId, nameof(agentId)), by, scope));

    /// <summary>Resolves an alert; the note (what was done) is optional.</summary>
    public Task<Alert> Resolve(string alertId, string? note) =>
        RunAsync((by, scope) => commands.ResolveAsync(Required(alertId, nameof(alertId)), note ?? "", by, scope));

    private long? AfterSequence()
    {
        var value = Context.GetHttpContext()?.Request.Query[AfterParameter].ToString();
        if (string.IsNullOrEmpty(value)) return null;
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var after)
            ? after
            : throw new HubException($"{AfterParameter}: must be the last sequence number seen (a whole number ≥ 0), not '{value}'");
    }

    private async Task<Alert> RunAsync(Func<string, TeamScope, Task<Alert>> command)
    {
        var user = Context.User ?? new ClaimsPrincipal();
        try
        {
            return await command(user.FindFirstValue(ClaimTypes.Name) ?? "unknown", TeamScope.Of(user));
        }
        catch (AlertRefusedException ex)
        {
            throw ToHubException(ex);
        }
    }

    /// <summary>A refusal as the client sees it: HubException is the one exception whose message SignalR passes on.</summary>
    internal static HubException ToHubException(AlertRefusedException ex)
    {
        var what = ex.Refusal switch
        {
            AlertRefusal.InvalidArgument => "invalid argument",
            AlertRefusal.NotFound => "not found",
            AlertRefusal.PermissionDenied => "permission denied",
            _ => "not possible now",
        };
        return new HubException($"{what}: {ex.Message}");
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new HubException($"invalid argument: {name}: required") : value;
}
