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
}
