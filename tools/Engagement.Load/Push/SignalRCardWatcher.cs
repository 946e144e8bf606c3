using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;

namespace Engagement.Load.Push;

/// <summary>
/// Agents' screens: SignalR connections to <c>/hubs/agent</c> (JSON, as browsers speak it) with the agent key as
/// access token, each watching up to <see cref="CustomersPerScreen"/> of the sampled customers with
/// <c>WatchCustomer</c> and reading their <c>card</c>s.
/// </summary>
public sealed class SignalRCardWatcher(Uri hub, string agentKey) : ICardWatcher
{
    /// <summary>A screen shows tens of customers (the hub refuses more than 500 per connection).</summary>
    public const int CustomersPerScreen = 50;

    /// <summary>The server-to-client method of the agent hub that carries a card (the hub's public contract).</summary>
    private const string CardMethod = "card";

    private readonly List<HubConnection> _screens = [];

    public string Transport => "signalr";

    public async Task StartAsync(IReadOnlyList<string> customerIds, Action<WatchedCard> onCard, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var firstCards = customerIds.ToDictionary(id => id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);
        void OnCard(CardHeader card)
        {
            var receivedAt = Stopwatch.GetTimestamp();
            onCard(new WatchedCard(card.CustomerId, card.Version, [.. card.RecentEvents.Select(e => e.EventId)], receivedAt));
            if (firstCards.TryGetValue(card.CustomerId, out var first)) first.TrySetResult();
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            foreach (var customers in customerIds.Chunk(CustomersPerScreen))
            {
                var screen = new HubConnectionBuilder()
                    .WithUrl(hub, o => o.AccessTokenProvider = () => Task.FromResult<string?>(agentKey))
                    .Build();
                _screens.Add(screen);
                screen.On<CardHeader>(CardMethod, OnCard);
                await screen.StartAsync(deadline.Token);
                foreach (var id in customers) await screen.InvokeAsync("WatchCustomer", id, deadline.Token);
            }
            await Task.WhenAll(firstCards.Values.Select(f => f.Task)).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the first cards of {customerIds.Count} customers did not arrive over SignalR within {timeout}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var screen in _screens) await screen.DisposeAsync();
    }

    /// <summary>The few fields of the card the tracker needs; the JSON protocol skips the rest.</summary>
    private sealed record CardHeader(string CustomerId, long Version, IReadOnlyList<EventHeader> RecentEvents);

    private sealed record EventHeader(string EventId);
}
