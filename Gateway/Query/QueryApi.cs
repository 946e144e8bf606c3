using System.Security.Claims;
using System.Text.Json;
using Engagement.Gateway.Alerts;
using Engagement.Gateway.Api;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Security;
using Engagement.Storage;
using Microsoft.Extensions.Options;
using static Engagement.Gateway.Query.QueryRequests;

namespace Engagement.Gateway.Query;

/// <summary>
/// Query and export over HTTP, under <c>/api/query</c>: customers by stage, tier, RFM group or cell, team, segment and
/// profile attribute (<c>attr.region=north</c>) as counts, keyset pages and CSV or NDJSON exports; a segment's members;
/// a customer's events; alert history. Counts, pages and alert history: supervisors (their teams' customers),
/// integrations and admins; exports and events: integrations and admins. Bad parameters are 400 problem details
/// naming the field; a team outside a supervisor's key is 403.
/// </summary>
public static class QueryApi
{
    /// <summary>Who reads counts and pages: supervisors (scoped to their teams), other systems and admins.</summary>
    public static readonly string[] ReadRoles = [Roles.Supervisor, Roles.Integration, Roles.Admin];

    public static void MapQueryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/query");
        group.MapGet("/customers", List).RequireAuthorization(p => p.RequireRole(ReadRoles));
        group.MapGet("/customers/count", Count).RequireAuthorization(p => p.RequireRole(ReadRoles));
        group.MapGet("/segments/{segment}/members", Members).RequireAuthorization(p => p.RequireRole(ReadRoles));
        group.MapGet("/alerts", Alerts).RequireAuthorization(p => p.RequireRole(ReadRoles));
        group.MapGet("/customers/export", Export).RequireAuthorization(Policies.Integrate);
        group.MapGet("/customers/{customerId}/events", Events).RequireAuthorization(Policies.Integrate);
    }

    private static Task<IResult> List(HttpRequest request, ClaimsPrincipal user, CustomerQueries queries) => RunAsync(async () =>
    {
        var q = request.Query;
        var filter = FilterOf(request, user);
        return TypedResults.Ok(Page(await queries.ListAsync(filter, Token(q[Fields.PageToken]), PageSize(q[Fields.PageSize], Same), request.HttpContext.RequestAborted)));
    });

    private static Task<IResult> Members(string segment, HttpRequest request, ClaimsPrincipal user, CustomerQueries queries) => RunAsync(async () =>
    {
        var q = request.Query;
        var filter = FilterOf(request, user, segment);
        return TypedResults.Ok(Page(await queries.ListAsync(filter, Token(q[Fields.PageToken]), PageSize(q[Fields.PageSize], Same), request.HttpContext.RequestAborted)));
    });

    private static Task<IResult> Count(HttpRequest request, ClaimsPrincipal user, CustomerQueries queries) => RunAsync(async () =>
    {
        var filter = FilterOf(request, user);
        var by = GroupBy(request.Query[Fields.GroupBy], Same);
        var aborted = request.HttpContext.RequestAborted;
        var total = await queries.CountAsync(filter, aborted);
        var groups = by is { } b ? await queries.CountByAsync(filter, b.Dimension, b.Attribute, cancellationToken: aborted) : null;
        return TypedResults.Ok(new CountResponse(total, groups));
    });

    /// <summary>Streams every matching customer: <c>format=csv</c> or <c>ndjson</c> (the default).</summary>
    private static Task<IResult> Export(HttpContext context, ClaimsPrincipal user, CustomerQueries queries) => RunAsync(() =>
    {
        var format = context.Request.Query["format"].ToString().ToLowerInvariant() switch
        {
            "" or CustomerExport.Ndjson => CustomerExport.Ndjson,
            CustomerExport.Csv => CustomerExport.Csv,
            var other => throw new InvalidQueryException("format", $"'{other}' is not csv or ndjson"),
        };
        var filter = FilterOf(context.Request, user);
        IResult stream = new ExportResult(format, queries.ExportAsync(filter, context.RequestAborted));
        return Task.FromResult(stream);
    });

    private static Task<IResult> Events(string customerId, HttpRequest request, CustomerQueries queries, IOptions<IngestOptions> ingest) => RunAsync(async () =>
    {
        if (IdCheck.Problem(customerId, ingest.Value.MaxIdLength) is { } problem) throw new InvalidQueryException("customerId", problem);
        var q = request.Query;
        var page = await queries.EventsAsync(customerId, AfterSeq(q[Fields.AfterSeq], Same), PageSize(q[Fields.PageSize], Same), request.HttpContext.RequestAborted);
        return TypedResults.Ok(new EventsResponse([.. page.Events.Select(e => new EventEntry(e.Seq, e.EventId, e.EventType, e.Channel, e.OccurredAt, e.RecordedAt,
            JsonSerializer.Deserialize<JsonElement>(e.Payload)))], page.Next, page.CompactedThrough));
    });

    private static Task<IResult> Alerts(HttpRequest request, ClaimsPrincipal user, CustomerQueries queries, IOptions<IngestOptions> ingest) => RunAsync(async () =>
    {
        var q = request.Query;
        var scope = TeamScope.Of(user);
        string? customer = q[Fields.Customer];
        if (customer is not null && IdCheck.Problem(customer, ingest.Value.MaxIdLength) is { } problem) throw new InvalidQueryException(Fields.Customer, problem);
        var aborted = request.HttpContext.RequestAborted;
        if (customer is not null) await CheckCustomerAsync(queries, customer, scope, Fields.Customer, aborted);
        var filter = new AlertHistoryFilter
        {
            CustomerId = customer,
            Kinds = Kinds([.. q[Fields.Kind].OfType<string>()], Same),
            From = Instant(q[Fields.From], Fields.From),
            To = Instant(q[Fields.To], Fields.To),
            Teams = scope.Teams,
        };
        var page = await queries.AlertsAsync(filter, Token(q[Fields.PageToken]), PageSize(q[Fields.PageSize], Same), aborted);
        return Results.Json(new AlertsResponse(page.Alerts, page.Next), CasesApi.Json);
    });

    private static string Same(string field) => field;

    private static string? Token(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static CustomerFilter FilterOf(HttpRequest request, ClaimsPrincipal user, string? segment = null)
    {
        var q = request.Query;
        IReadOnlyList<string> Many(string name) => [.. q[name].OfType<string>()];
        var attributes = q.Where(p => p.Key.StartsWith("attr.", StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Value.OfType<string>().Select(v => KeyValuePair.Create(p.Key["attr.".Length..], v)))
            .ToList();
        return Filter(new CustomerQueryInput(Many(Fields.Stage), Many(Fields.Tier), Many(Fields.RfmGroup), Many(Fields.RfmCell), Many(Fields.Team),
            segment is null ? Many(Fields.Segment) : [segment, .. Many(Fields.Segment)], attributes), TeamScope.Of(user), Same);
    }

    private static PageResponse Page(CustomerPage page) => new(page.Customers, page.Next);

    private static async Task<IResult> RunAsync(Func<Task<IResult>> query)
    {
        try
        {
            return await query();
        }
        catch (InvalidQueryException ex)
        {
            return ApiProblems.Invalid(ex.Field, ex.Reason);
        }
        catch (QueryForbiddenException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Outside this key's teams", detail: ex.Message);
        }
    }

    /// <summary>The export's response: headers first, then the rows as the store yields them.</summary>
    private sealed class ExportResult(string format, IAsyncEnumerable<CustomerRow> rows) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            response.ContentType = CustomerExport.ContentType(format);
            response.Headers.ContentDisposition = $"attachment; filename=customers.{format}";
            response.Headers.CacheControl = "no-store";
            try
            {
                await CustomerExport.WriteAsync(response.BodyWriter, format, rows, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: the export ends with it.
            }
        }
    }

    public sealed record PageResponse(IReadOnlyList<CustomerRow> Customers, string? NextPageToken);

    public sealed record CountResponse(long Total, IReadOnlyList<GroupCount>? Groups);

    public sealed record EventEntry(long Seq, string EventId, string Type, string Channel, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt, JsonElement Payload);

    /// <param name="CompactedThroughSeq">The journal's retention deleted this customer's entries up to this sequence number; null when none.</param>
    public sealed record EventsResponse(IReadOnlyList<EventEntry> Events, long? NextAfterSeq, long? CompactedThroughSeq = null);

    public sealed record AlertsResponse(IReadOnlyList<Engagement.Contracts.Alerts.Alert> Alerts, string? NextPageToken);
}
