using Engagement.Contracts.Alerts;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>What the supervisor hub calls on its clients; the wire name is the public contract.</summary>
public interface ISupervisorClient
{
    /// <summary>
    /// An alert as it stands after a change: the backlog on connect, then each change of the connection's
    /// teams. A client keeps, per alert id, the one with the highest sequence, and reconnects with
    /// <c>?after=</c> the highest sequence it has seen.
    /// </summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Not sent: SignalR uses a trailing token to abandon a send to a slow client.</param>
    [HubMethodName(SupervisorHub.AlertMethod)]
    Task Alert(Alert alert, CancellationToken cancellationToken);
}
