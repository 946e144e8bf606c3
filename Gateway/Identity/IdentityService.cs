using Engagement.Contracts.Identity;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Identity;

/// <summary>The <c>engagement.v1.Identity</c> service: the gRPC twin of <see cref="IdentityApi"/>.</summary>
public sealed class IdentityService(IGrainFactory grains, IdentityRedirects redirects, CustomerReadScope readScope, IOptions<IngestOptions> ingest)
    : Proto.Identity.IdentityBase
{
    [Authorize(Policy = Policies.Integrate)]
    public override async Task<Proto.MergeReply> Merge(Proto.MergeRequest request, ServerCallContext context)
    {
        Check(request.CustomerId, request.From, request.Reason);
        var outcome = await RunAsync(() => grains.GetGrain<IIdentityGrain>(0).Merge(request.CustomerId, request.From,
            IdentityApi.ActorOf(context.GetHttpContext().User), request.Reason));
        redirects.Merged(outcome.From, outcome.Into);
        return new Proto.MergeReply
        {
            CustomerId = outcome.Into,
            From = outcome.From,
            MergedAt = Timestamp.FromDateTimeOffset(outcome.At),
            Events = outcome.Events,
            MovedAlertIds = { outcome.MovedAlerts },
            MovedIdentifiers = { outcome.MovedIdentifiers },
        };
    }

    [Authorize(Policy = Policies.Integrate)]
    public override async Task<Proto.UnmergeReply> Unmerge(Proto.UnmergeRequest request, ServerCallContext context)
    {
        Check(request.CustomerId, request.From, request.Reason);
        var outcome = await RunAsync(() => grains.GetGrain<IIdentityGrain>(0).Unmerge(request.CustomerId, request.From,
            IdentityApi.ActorOf(context.GetHttpContext().User), request.Reason));
        redirects.Unmerged(outcome.From);
        return new Proto.UnmergeReply
        {
            CustomerId = outcome.Into,
            From = outcome.From,
            UnmergedAt = Timestamp.FromDateTimeOffset(outcome.At),
            CustomerEvents = outcome.IntoEvents,
            FromEvents = outcome.FromEvents,
        };
    }

    [Authorize(Policy = Policies.ReadCustomers)]
    public override async Task<Proto.ListIdentifiersReply> ListIdentifiers(Proto.ListIdentifiersRequest request, ServerCallContext context)
    {
        if (IdCheck.Problem(request.CustomerId, ingest.Value.MaxIdLength) is { } problem) throw Invalid("customer_id", problem);
        if (await readScope.RefusalAsync(context.GetHttpContext().User, request.CustomerId) is { } refusal)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"customer_id: {refusal}"));
        }
        if (!await grains.GetGrain<Contracts.Customers.ICustomerGrain>(request.CustomerId).Exists())
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"customer_id: no customer '{request.CustomerId}'"));
        }
        var found = await grains.GetGrain<IIdentityGrain>(0).Identifiers(request.CustomerId);
        var reply = new Proto.ListIdentifiersReply { CustomerId = found.CustomerId, MergedInto = found.MergedInto ?? "" };
        reply.Identifiers.AddRange(found.Identifiers.Select(i => new Proto.Identifier
        {
            Kind = i.Kind,
            Value = i.Value,
            Since = i.Since is { } since ? Timestamp.FromDateTimeOffset(since) : null,
        }));
        reply.Conflicts.AddRange(found.Conflicts.Select(c => new Proto.IdentifierConflict
        {
            Kind = c.Kind,
            Value = c.Value,
            OwnerId = c.OwnerId,
            ClaimantId = c.ClaimantId,
            At = Timestamp.FromDateTimeOffset(c.At),
        }));
        return reply;
    }

    private void Check(string customerId, string from, string reason)
    {
        if (IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } id) throw Invalid("customer_id", id);
        if (IdCheck.Problem(from, ingest.Value.MaxIdLength) is { } other) throw Invalid("from", other);
        if (string.IsNullOrWhiteSpace(reason)) throw Invalid("reason", "required: why, for the decision log");
        if (reason.Trim().Length > Grains.Identity.IdentityOptions.MaxReasonLength) throw Invalid("reason", $"longer than {Grains.Identity.IdentityOptions.MaxReasonLength} characters");
    }

    private static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (IdentityRefusedException refused)
        {
            var code = refused.Refusal switch
            {
                IdentityRefusal.NotFound => StatusCode.NotFound,
                IdentityRefusal.FailedPrecondition => StatusCode.FailedPrecondition,
                _ => StatusCode.InvalidArgument,
            };
            throw new RpcException(new Status(code, $"{(refused.Field == "id" ? "customer_id" : refused.Field)}: {refused.Message}"));
        }
    }

    private static RpcException Invalid(string field, string reason) => new(new Status(StatusCode.InvalidArgument, $"{field}: {reason}"));
}
