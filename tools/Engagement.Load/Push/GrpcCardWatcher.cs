using System.Diagnostics;
using Engagement.Contracts.V1;
using Grpc.Core;

namespace Engagement.Load.Push;

/// <summary>One <c>Customers.Watch</c> call per customer, multiplexed over one gRPC channel.</summary>
public sealed class GrpcCardWatcher(CallInvoker invoker) : ICardWatcher
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];

    public string Transport => "grpc";

    public async Task StartAsync(IReadOnlyList<string> customerIds, Action<WatchedCard> onCard, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = new Customers.CustomersClient(invoker);
        var firstCards = customerIds.Select(id =>
        {
            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _readers.Add(ReadAsync(client, id, onCard, first));
            return first.Task;
        }).ToList();
        await Task.WhenAll(firstCards).WaitAsync(timeout, cancellationToken);
    }

    private async Task ReadAsync(Customers.CustomersClient client, string customerId, Action<WatchedCard> onCard, TaskCompletionSource first)
    {
        try
        {
            using var call = client.Watch(new WatchCustomerRequest { CustomerId = customerId }, cancellationToken: _stop.Token);
            await foreach (var card in call.ResponseStream.ReadAllAsync(_stop.Token))
            {
                var receivedAt = Stopwatch.GetTimestamp();
                onCard(new WatchedCard(card.CustomerId, card.Version, [.. card.RecentEvents.Select(e => e.EventId)], receivedAt));
                first.TrySetResult();
            }
            first.TrySetException(new InvalidOperationException($"the watch of {customerId} ended before its first card"));
        }
        catch (Exception ex) when (_stop.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            // Stopped by us: the normal end of a watch.
        }
        catch (Exception ex)
        {
            first.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
