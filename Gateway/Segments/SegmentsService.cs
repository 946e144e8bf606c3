using System.Security.Claims;
using Engagement.Contracts.Segments;
using Engagement.Gateway.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Segments;

/// <summary><c>engagement.v1.Segments</c>: the segment API of <see cref="SegmentsApi"/> over gRPC, with the same checks.</summary>
[Authorize(Roles = ReadRoles)]
public sealed class SegmentsService(IGrainFactory grains) : Proto.Segments.SegmentsBase
{
    private const string ReadRoles = $"{Roles.Supervisor},{Roles.Integration},{Roles.Admin}";

    private ISegmentsGrain Segments => grains.GetGrain<ISegmentsGrain>(0);

    public override Task<Proto.ListSegmentsResponse> ListSegments(Proto.ListSegmentsRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var page = await Segments.List(SegmentRequests.PageToken(request.PageToken, "page_token"), SegmentRequests.PageSize(request.PageSize, "page_size"));
        var response = new Proto.ListSegmentsResponse { NextPageToken = page.Next ?? "" };
        response.Segments.AddRange(page.Segments.Select(ToProto));
        return response;
    });

    public override Task<Proto.SegmentWithVersions> GetSegment(Proto.GetSegmentRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var history = await Segments.History(SegmentRequests.Name(request.Name))
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No segment is named '{request.Name}'."));
        var response = new Proto.SegmentWithVersions { Current = ToProto(history.Current) };
        response.Versions.AddRange(history.Versions.Select(ToProto));
        return response;
    });

    [Authorize(Policy = Policies.Admin)]
    public override Task<Proto.SegmentVersion> PutSegment(Proto.PutSegmentRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var name = SegmentRequests.Name(request.Name);
        var rule = SegmentRequests.Rule(request.Rule);
        var description = SegmentRequests.Description(request.Description);
        if (request.ExpectedVersion < 0) throw new InvalidSegmentRequestException("expected_version", "must not be negative");
        int? expected = request.ExpectAbsent ? 0 : request.ExpectedVersion > 0 ? request.ExpectedVersion : null;
        return Written(name, await Segments.Save(name, rule, description, Author(context), expected));
    });

    [Authorize(Policy = Policies.Admin)]
    public override Task<Proto.SegmentVersion> DeleteSegment(Proto.DeleteSegmentRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var name = SegmentRequests.Name(request.Name);
        if (request.ExpectedVersion < 0) throw new InvalidSegmentRequestException("expected_version", "must not be negative");
        return Written(name, await Segments.Remove(name, Author(context), request.ExpectedVersion > 0 ? request.ExpectedVersion : null));
    });

    [Authorize(Policy = Policies.Admin)]
    public override Task<Proto.DryRunSegmentResponse> DryRunSegment(Proto.DryRunSegmentRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var result = await Segments.DryRun(SegmentRequests.Rule(request.Rule));
        var response = new Proto.DryRunSegmentResponse { Matching = result.Matching, Examined = result.Examined };
        response.TraitsNotStored.AddRange(result.TraitsNotStored);
        return response;
    });

    private static Proto.SegmentVersion Written(string name, SegmentWriteResult result) => result.Outcome switch
    {
        SegmentWriteOutcome.Saved or SegmentWriteOutcome.Unchanged => ToProto(result.Current!),
        SegmentWriteOutcome.Conflict => throw new RpcException(new Status(StatusCode.FailedPrecondition, result.Current is { } now
            ? $"expected_version: segment '{name}' is at version {now.Version}"
            : $"expected_version: segment '{name}' is not defined")),
        _ => throw new RpcException(new Status(StatusCode.NotFound, $"No segment is named '{name}'.")),
    };

    private static SegmentAuthorInfo Author(ServerCallContext context) =>
        SegmentRequests.Author(context.GetHttpContext().User ?? new ClaimsPrincipal());

    private static Proto.SegmentVersion ToProto(SegmentInfo s) => new()
    {
        Name = s.Name,
        Version = s.Version,
        Rule = s.Rule ?? "",
        Description = s.Description,
        Removed = s.Removed,
        Source = s.Source,
        ChangedBy = s.ChangedBy,
        ChangedByRole = s.Role,
        ChangedAt = Timestamp.FromDateTimeOffset(s.ChangedAt),
    };

    private static async Task<T> RunAsync<T>(Func<Task<T>> handle)
    {
        try
        {
            return await handle();
        }
        catch (InvalidSegmentRequestException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message), new Metadata { { "field", ex.Field } });
        }
    }
}

public static class SegmentsExtensions
{
    /// <summary><c>engagement.v1.Segments</c> and the HTTP segment API (<c>/api/segments</c>).</summary>
    public static void MapSegments(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<SegmentsService>();
        app.MapSegmentsApi();
    }
}
