using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// What the agent hub calls on its clients. The wire names are the public contract (lower case, as
/// browsers write them), pinned by <see cref="HubMethodNameAttribute"/> so the C# names can follow
/// .NET conventions without renaming the contract.
/// </summary>
public interface IAgentClient
{
    /// <summary>A customer's card: the current one when a watch starts, then one per change, versions rising.</summary>
    /// <param name="card">The card.</param>
    /// <param name="cancellationToken">Not sent: SignalR uses a trailing token to abandon a send to a slow client.</param>
    [HubMethodName(AgentHub.CardMethod)]
    Task Card(CustomerCard card, CancellationToken cancellationToken);

    /// <summary>An alert change about a customer this connection watches, or of an alert assigned to this agent.</summary>
    /// <param name="alert">The alert as it stands after the change.</param>
    /// <param name="cancellationToken">Not sent: SignalR uses a trailing token to abandon a send to a slow client.</param>
    [HubMethodName(AgentHub.AlertMethod)]
    Task Alert(Alert alert, CancellationToken cancellationToken);
}
