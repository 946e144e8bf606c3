using Engagement.Contracts.Customers;
using Engagement.Contracts.V1;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Push;
using Engagement.Gateway.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Customers;

/// <summary>The <c>engagement.v1.Customers</c> service: a customer's card, once or as it changes.</summary>
[Authorize(Policy = Policies.ReadCustomers)]
public sealed class CustomersService(IGrainFactory grains, CardFeed feed, TimeProvider machineClock, IOptions<IngestOptions> ingest, CustomerReadScope readScope) : Proto.Customers.CustomersBase
{
    public override async Task<Proto.CustomerCard> Get(GetCustomerRequest request, ServerCallContext context)
    {
        CheckCustomerId(request.CustomerId);
        var card = await grains.GetGrain<ICustomerGrain>(request.CustomerId).GetCard()
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"customer_id: no customer '{request.CustomerId}'"));
        if (!CustomerReadScope.Shows(readScope.ScopeOf(context.GetHttpContext().User), card)) throw Denied(request.CustomerId);
        return card.ToProto();
    }

    public override async Task Watch(WatchCustomerRequest request, IServerStreamWriter<Proto.CustomerCard> responseStream, ServerCallContext context)
    {
        CheckCustomerId(request.CustomerId);
        var user = context.GetHttpContext().User;
        if (await readScope.RefusalAsync(user, request.CustomerId) is not null) throw Denied(request.CustomerId);
        var scope = readScope.ScopeOf(user);
        await using var viewer = await feed.WatchAsync(request.CustomerId, context.CancellationToken);
        try
        {
            await foreach (var card in viewer.Cards.ReadAllAsync(context.CancellationToken))
            {
                // A customer moved to another team since the watch began: its changes are no longer this key's to see.
                if (!CustomerReadScope.Shows(scope, card)) continue;
                await responseStream.WriteAsync(card.ToProto(), context.CancellationToken);
                PushMetrics.CardSent(card, PushMetrics.Grpc, machineClock);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away: the normal end of a watch.
        }
    }

    private static RpcException Denied(string customerId) =>
        new(new Status(StatusCode.PermissionDenied, $"customer_id: customer '{customerId}' belongs to another team than this key's"));

    private void CheckCustomerId(string customerId)
    {
        if (IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"customer_id: {problem}"));
        }
    }
}
