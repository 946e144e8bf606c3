
using Engagement.Gateway.Alerts;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Engagement.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using static Engagement.Gateway.Query.QueryRequests;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Query;

/// <summary>
/// The <c>engagement.v1.Query</c> service: the HTTP query API's counts, pages, exports, events and alert history over
/// gRPC, with the same checks and roles; fields are named as on the wire (<c>filter.rfm_groups</c>).
/// </summary>
public sealed class QueryService(CustomerQueries queries, IOptions<IngestOptions> ingest) : Proto.Query.QueryBase
{
    private const string ReadRoles = $"{Roles.Supervisor},{Roles.Integration},{Roles.Admin}";

    [Authorize(Roles = ReadRoles)]
    public override Task<Proto.CountCustomersResponse> CountCustomers(Proto.CountCustomersRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var filter = FilterOf(request.Filter, context);
        var by = GroupBy(request.GroupBy, WireField);
        var response = new Proto.CountCustomersResponse { Total = await queries.CountAsync(filter, context.CancellationToken) };
        if (by is { } b)
        {
            response.Groups.AddRange((await queries.CountByAsync(filter, b.Dimension, b.Attribute, cancellationToken: context.CancellationToken))
                .Select(g => new Proto.GroupCount { Key = g.Key, Count = g.Count }));
        }
        return response;
    });

    [Authorize(Roles = ReadRoles)]
    public override Task<Proto.ListCustomersResponse> ListCustomers(Proto.ListCustomersRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var page = await queries.ListAsync(FilterOf(request.Filter, context), request.PageToken.Length > 0 ? request.PageToken : null,
            PageSize(request.PageSize, WireField), context.CancellationToken);
        var response = new Proto.ListCustomersResponse { NextPageToken = page.Next ?? "" };
        response.Customers.AddRange(page.Customers.Select(ToProto));
        return response;
    });

    [Authorize(Policy = Policies.Integrate)]
    public override async Task ExportCustomers(Proto.ExportCustomersRequest request, IServerStreamWriter<Proto.CustomerRow> responseStream, ServerCallContext context)
    {
        var rows = await RunAsync(() => Task.FromResult(queries.ExportAsync(FilterOf(request.Filter, context), context.CancellationToken)));
        await foreach (var row in rows.WithCancellation(context.CancellationToken))
        {
            // Each write waits for the transport (HTTP/2 flow control): a slow client slows the read.
            await responseStream.WriteAsync(ToProto(row), context.CancellationToken);
        }
    }

    [Authorize(Policy = Policies.Integrate)]
    public override Task<Proto.ListCustomerEventsResponse> ListCustomerEvents(Proto.ListCustomerEventsRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        if (IdCheck.Problem(request.CustomerId, ingest.Value.MaxIdLength) is { } problem) throw new InvalidQueryException("customer_id", problem);
        if (request.AfterSeq < 0) throw new InvalidQueryException("after_seq", "0 or more");
        var page = await queries.EventsAsync(request.CustomerId, request.AfterSeq, PageSize(request.PageSize, WireField), context.CancellationToken);
        var response = new Proto.ListCustomerEventsResponse { NextAfterSeq = page.Next ?? 0, CompactedThroughSeq = page.CompactedThrough ?? 0 };
        response.Events.AddRange(page.Events.Select(e => new Proto.JournalEvent
        {
            Seq = e.Seq,
            EventId = e.EventId,
            Type = e.EventType,
            Channel = e.Channel,
            OccurredAt = Timestamp.FromDateTimeOffset(e.OccurredAt),
            RecordedAt = Timestamp.FromDateTimeOffset(e.RecordedAt),
            PayloadJson = e.Payload,
        }));
        return response;
    });

    [Authorize(Roles = ReadRoles)]
    public override Task<Proto.ListAlertHistoryResponse> ListAlertHistory(Proto.ListAlertHistoryRequest request, ServerCallContext context) => RunAsync(async () =>
    {
        var scope = TeamScope.Of(context.GetHttpContext().User);
        string? customer = request.CustomerId.Length > 0 ? request.CustomerId : null;
        if (customer is not null)
        {
            if (IdCheck.Problem(customer, ingest.Value.MaxIdLength) is { } problem) throw new InvalidQueryException("customer_id", problem);
            await CheckCustomerAsync(queries, customer, scope, "customer_id", context.CancellationToken);
        }
        var page = await queries.AlertsAsync(new AlertHistoryFilter
        {
            CustomerId = customer,
            Kinds = Kinds(request.Kinds, WireField),
            From = request.From?.ToDateTimeOffset(),
            To = request.To?.ToDateTimeOffset(),
            Teams = scope.Teams,
        }, request.PageToken.Length > 0 ? request.PageToken : null, PageSize(request.PageSize, WireField), context.CancellationToken);
        var response = new Proto.ListAlertHistoryResponse { NextPageToken = page.Next ?? "" };
        response.Alerts.AddRange(page.Alerts.Select(a => a.ToProto()));
        return response;
    });

    private static Storage.CustomerFilter FilterOf(Proto.CustomerFilter? filter, ServerCallContext context)
    {
        filter ??= new Proto.CustomerFilter();
        return Filter(new CustomerQueryInput(filter.Stages, filter.Tiers, filter.RfmGroups, filter.RfmCells, filter.Teams, filter.Segments,
            [.. filter.Attributes]), TeamScope.Of(context.GetHttpContext().User), field => "filter." + WireField(field));
    }

    /// <summary>The proto field of a neutral field name.</summary>
    private static string WireField(string field) => field switch
    {
        Fields.Stage => "stages",
        Fields.Tier => "tiers",
        Fields.RfmGroup => "rfm_groups",
        Fields.RfmCell => "rfm_cells",
        Fields.Team => "teams",
        Fields.Segment => "segments",
        Fields.Attribute => "attributes",
        Fields.GroupBy => "group_by",
        Fields.PageSize => "page_size",
        Fields.PageToken => "page_token",
        Fields.Kind => "kinds",
        _ => field,
    };

    private static Proto.CustomerRow ToProto(Storage.CustomerRow row)
    {
        static Timestamp? Day(DateOnly? day) => day is { } d ? Timestamp.FromDateTime(d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)) : null;
        var wire = new Proto.CustomerRow
        {
            CustomerId = row.CustomerId,
            Name = row.Name ?? "",
            Stage = row.Stage,
            Tier = row.Tier,
            RfmCell = row.RfmCell,
            RfmGroup = row.RfmGroup,
            Team = row.Team,
            Clv = row.Clv,
            ChurnRisk = row.ChurnRisk,
            ExpectedLoss = row.ExpectedLoss,
            TotalSpend = row.TotalSpend,
            PurchaseDays = row.PurchaseDays,
            FirstPurchaseAt = Day(row.FirstPurchase),
            LastPurchaseAt = Day(row.LastPurchase),
            DueAt = row.DueAt is { } due ? Timestamp.FromDateTimeOffset(due) : null,
        };
        wire.Segments.AddRange(row.Segments);
        return wire;
    }

    private static async Task<T> RunAsync<T>(Func<Task<T>> query)
    {
        try
        {
            return await query();
        }
        catch (InvalidQueryException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (QueryForbiddenException ex)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, ex.Message));
        }
    }
}
