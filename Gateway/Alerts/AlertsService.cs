using System.Security.Claims;
using System.Threading.Channels;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Security;
using Engagement.Grains.Hosting;
using Microsoft.Extensions.Options;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Alerts;

/// <summary>The <c>engagement.v1.Alerts</c> service: alert changes as a stream, and the supervisor's commands.</summary>
[Authorize(Policy = Policies.SuperviseAlerts)]
public sealed class AlertsService(IGrainFactory grains, AlertBroadcaster broadcaster, AlertCommands commands, IOptions<EngagementOptions> options)
    : Proto.Alerts.AlertsBase
{
    /// <summary>Live changes a watch may hold for a slow client before it is ended (to catch up by sequence).</summary>
    public const int MaxQueuedAlerts = 10_000;

    /// <summary>
    /// The response header of a new watch whose backlog was cut (<c>Engagement:Limits:SupervisorBacklog</c>): <c>more</c>
    /// (older open alerts exist: page them through <c>List</c>); with <c>-message</c>, the same in words.
    /// </summary>
    public const string BacklogHeader = "engagement-backlog";

    public override async Task Watch(Proto.WatchAlertsRequest request, IServerStreamWriter<Proto.Alert> responseStream, ServerCallContext context)
    {
        if (request.AfterSequence < 0) throw new RpcException(new Status(StatusCode.InvalidArgument, "after_sequence: must not be negative"));
        var scope = TeamScope.Of(context.GetHttpContext().User);
        var cancellation = context.CancellationToken;
        // Listen before reading the backlog, so nothing falls between the two; repeats are dropped by sequence.
        // A client too slow for the queue is not silently skipped: its watch ends, and it resumes from its last sequence.
        var live = Channel.CreateBounded<Alert>(new BoundedChannelOptions(MaxQueuedAlerts) { FullMode = BoundedChannelFullMode.Wait });
        using var listening = broadcaster.Listen(alert =>
        {
            if (scope.Sees(alert.Team) && !live.Writer.TryWrite(alert))
            {
                live.Writer.TryComplete(new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"more than {MaxQueuedAlerts} alert changes waiting for this watch: watch again with after_sequence set to the last sequence received")));
            }
            return ValueTask.CompletedTask;
        });
        var sent = new SequenceFilter();
        var last = request.AfterSequence;
        try
        {
            // A resumed watch gets every change it missed, a page at a time as it is written; a new one the newest open
            // alerts up to the limit, and a header (before the first alert: a stream of alerts has no room for it) when there are more.
            var query = grains.GetGrain<IAlertQueryGrain>(0);
            IAsyncEnumerable<Alert> backlog;
            if (request.AfterSequence > 0) backlog = AlertBacklog.ChangesAsync(query, request.AfterSequence, scope, cancellation);
            else
            {
                var open = await AlertBacklog.ReadAsync(query, null, scope, options.Value.Limits.SupervisorBacklog, cancellation);
                if (open.Cut) await context.WriteResponseHeadersAsync(new Metadata { { BacklogHeader, "more" }, { BacklogHeader + "-message", open.Message } });
                backlog = open.Alerts.ToAsyncEnumerable();
            }
            await foreach (var alert in backlog.WithCancellation(cancellation))
            {
                if (!sent.FirstTime(alert.Sequence)) continue;
                await responseStream.WriteAsync(alert.ToProto(), cancellation);
            }
            await foreach (var alert in live.Reader.ReadAllAsync(cancellation))
            {
                if (alert.Sequence > last && sent.FirstTime(alert.Sequence)) await responseStream.WriteAsync(alert.ToProto(), cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away: the normal end of a watch.
        }
    }

    /// <remarks>
    /// Newest raised first; the token names the page's last alert by what never changes (its raised time and id), so an
    /// alert that changes between pages is neither skipped nor listed twice.
    /// </remarks>
    public override async Task<Proto.ListAlertsResponse> List(Proto.ListAlertsRequest request, ServerCallContext context)
    {
        if (request.PageSize is < 0 or > CaseQuery.MaxPageSize)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size: from 1 to {CaseQuery.MaxPageSize} (0 for {CaseQuery.DefaultPageSize})"));
        }
        AlertPageKey? after = null;
        if (request.PageToken.Length > 0)
        {
            after = AlertPageKey.Decode(request.PageToken)
                ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token: not a page token (pass the last answer's next_page_token)"));
        }
        var size = request.PageSize == 0 ? CaseQuery.DefaultPageSize : request.PageSize;
        var scope = TeamScope.Of(context.GetHttpContext().User);
        // One more than the page: whether a next page exists without a count.
        var alerts = await grains.GetGrain<IAlertQueryGrain>(0).OpenPage(scope.Teams, after, size + 1);
        var response = new Proto.ListAlertsResponse();
        response.Alerts.AddRange(alerts.Take(size).Select(a => a.ToProto()));
        if (alerts.Count > size) response.NextPageToken = AlertPageKey.After(alerts[size - 1]).Encode();
        return response;
    }

    public override async Task<Proto.ListCasesResponse> ListCases(Proto.ListCasesRequest request, ServerCallContext context)
    {
        CaseQuery query;
        try
        {
            query = CaseQueries.Parse(new CaseQueryInput(request.Kinds, request.Severities, request.State, request.AssignedTo, request.CustomerIdPrefix,
                request.Sort, request.PageSize == 0 ? null : request.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture), request.PageToken),
                TeamScope.Of(context.GetHttpContext().User), WireField);
        }
        catch (AlertRefusedException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        return (await grains.GetGrain<IAlertQueryGrain>(0).Cases(query)).ToProto();
    }

    /// <summary>The request's field names: <c>pageSize</c> is <c>page_size</c>; <c>kind</c> and <c>severity</c> are lists; <c>customer</c> a prefix.</summary>
    private static string WireField(string field) => field switch
    {
        "kind" => "kinds",
        "severity" => "severities",
        "customer" => "customer_id_prefix",
        "assignedTo" => "assigned_to",
        "pageSize" => "page_size",
        "pageToken" => "page_token",
        _ => field,
    };

    public override Task<Proto.Alert> Acknowledge(Proto.AcknowledgeAlertRequest request, ServerCallContext context) =>
        RunAsync(context, (by, scope) => commands.AcknowledgeAsync(request.AlertId, by, scope));

    public override Task<Proto.Alert> Assign(Proto.AssignAlertRequest request, ServerCallContext context) =>
        RunAsync(context, (by, scope) => commands.AssignAsync(request.AlertId, request.AgentId, by, scope));

    public override Task<Proto.Alert> Resolve(Proto.ResolveAlertRequest request, ServerCallContext context) =>
        RunAsync(context, (by, scope) => commands.ResolveAsync(request.AlertId, request.Note, by, scope));

    private static async Task<Proto.Alert> RunAsync(ServerCallContext context, Func<string, TeamScope, Task<Alert>> command)
    {
        var user = context.GetHttpContext().User;
        try
        {
            return (await command(user.FindFirstValue(ClaimTypes.Name) ?? "unknown", TeamScope.Of(user))).ToProto();
        }
        catch (AlertRefusedException ex)
        {
            var code = ex.Refusal switch
            {
                AlertRefusal.InvalidArgument => StatusCode.InvalidArgument,
                AlertRefusal.NotFound => StatusCode.NotFound,
                AlertRefusal.PermissionDenied => StatusCode.PermissionDenied,
                _ => StatusCode.FailedPrecondition,
            };
            throw new RpcException(new Status(code, ex.Message));
        }
    }
}
