using Engagement.Contracts.Alerts;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// The client method both hubs push alerts with (the supervisor hub's whole client; a part of the agent
/// hub's). The wire name is the public contract.
/// </summary>
public interface IAlertClient
{
    /// <summary>
    /// An alert as it stands after a change. A client keeps, per alert id, the one with the highest
    /// sequence; a supervisor reconnects with <c>?after=</c> the highest sequence it has seen.
    /// </summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Not sent: SignalR uses a trailing token to abandon a send to a slow client.</param>
    [HubMethodName(SupervisorHub.AlertMethod)]
    Task Alert(Alert alert, CancellationToken cancellationToken);

    /// <summary>
    /// Sent on connect, before the alerts, only when the backlog was cut (<c>Engagement:Limits:SupervisorBacklog</c>):
    /// how many alerts follow, whether older open alerts exist beyond them, whether the client must start over.
    /// </summary>
    [HubMethodName(SupervisorHub.BacklogMethod)]
    Task Backlog(AlertBacklogNotice notice);
}

/// <summary>
/// The backlog of a supervisor connection was cut: <see cref="Sent"/> alerts follow (the newest open ones when
/// <see cref="Reset"/>); <see cref="More"/> older open alerts exist, to be paged through <c>Alerts.List</c> (page token
/// <see cref="OldestSequence"/>) or <c>GET /api/cases</c>.
/// </summary>
public sealed record AlertBacklogNotice(int Sent, bool More, bool Reset, long OldestSequence, string Message);
