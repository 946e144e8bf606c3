using Engagement.Contracts.Customers;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// What the agent hub calls on its clients. The wire names are the public contract (lower case, as
/// browsers write them), pinned by <see cref="HubMethodNameAttribute"/> so the C# names can follow
/// .NET conventions without renaming the contract. Alerts come through <see cref="IAlertClient"/>.
/// </summary>
public interface IAgentClient : IAlertClient
{
    /// <summary>A customer's card: the current one when a watch starts, then one per change, versions rising.</summary>
    /// <param name="card">The card.</param>
    /// <param name="cancellationToken">Not sent: SignalR uses a trailing token to abandon a send to a slow client.</param>
    [HubMethodName(AgentHub.CardMethod)]
    Task Card(CustomerCard card, CancellationToken cancellationToken);
}
