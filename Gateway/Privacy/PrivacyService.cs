using Engagement.Contracts.Privacy;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Privacy;

/// <summary>The <c>engagement.v1.Privacy</c> service: the HTTP privacy API's erase, erasure record and export over gRPC.</summary>
public sealed class PrivacyService(IGrainFactory grains, PersonalDataExport export, IOptions<IngestOptions> ingest) : Proto.Privacy.PrivacyBase
{
    [Authorize(Policy = Policies.Admin)]
    public override async Task<Proto.Erasure> Erase(Proto.EraseRequest request, ServerCallContext context)
    {
        CheckId(request.CustomerId);
        try
        {
            return ToProto(await grains.GetGrain<IPrivacyGrain>(0).EraseCustomer(request.CustomerId, PrivacyApi.RequesterOf(context.GetHttpContext().User)));
        }
        catch (ErasureFailedException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }
    }

    [Authorize(Policy = Policies.Admin)]
    public override async Task<Proto.Erasure> GetErasure(Proto.GetErasureRequest request, ServerCallContext context) =>
        await grains.GetGrain<IPrivacyGrain>(0).Erasure(request.ErasureId) is { } receipt
            ? ToProto(receipt)
            : throw new RpcException(new Status(StatusCode.NotFound, $"erasure_id: no erasure '{request.ErasureId}'"));

    [Authorize(Policy = Policies.Integrate)]
    public override async Task Export(Proto.ExportRequest request, IServerStreamWriter<Proto.ExportChunk> responseStream, ServerCallContext context)
    {
        CheckId(request.CustomerId);
        var card = await export.CardAsync(request.CustomerId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"customer_id: no customer '{request.CustomerId}'"));
        await export.WriteAsync(card, (bytes, token) => responseStream.WriteAsync(new Proto.ExportChunk { Data = ByteString.CopyFrom(bytes.Span) }, token),
            context.CancellationToken);
    }

    private void CheckId(string customerId)
    {
        if (IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"customer_id: {problem}"));
        }
    }

    private static Proto.Erasure ToProto(ErasureReceipt receipt) => new()
    {
        ErasureId = receipt.ErasureId,
        SubjectHash = receipt.SubjectHash,
        RequestedBy = receipt.RequestedBy,
        RequestedAt = Timestamp.FromDateTimeOffset(receipt.RequestedAt),
        State = receipt.State,
        CompletedAt = receipt.CompletedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        Found = receipt.Found,
        RowsDeleted = receipt.RowsDeleted,
    };
}
