using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Engagement.Tests.Alerts;

/// <summary>The gRPC Alerts service for non-browser clients: roles, team routing, the command flow, resuming by sequence.</summary>
public sealed class AlertsServiceTests
{
    private const string NorthSupervisor = "test-north-supervisor-key-0123";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly KeyValuePair<string, string>[] Settings =
    [
        new("Engagement:Keys:4:Key", NorthSupervisor),
        new("Engagement:Keys:4:Role", "supervisor"),
        new("Engagement:Keys:4:Name", "north-lead"),
        new("Engagement:Keys:4:Teams:0", "north"),
    ];

    [Fact]
    public async Task Supervisors_see_and_act_on_their_teams_alerts_and_a_resumed_watch_gets_exactly_what_it_missed()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: Settings);
        var north = await DetractorAsync(engine, "north");
        var south = await DetractorAsync(engine, "south");

        // Routing: the north supervisor lists north's alert only; the all-teams supervisor both.
        var northList = await engine.Client.Alerts(NorthSupervisor).ListAsync(new ListAlertsRequest(), cancellationToken: Ct);
        var northAlert = Assert.Single(northList.Alerts);
        Assert.Equal((north, "SatisfactionDrop", "north", "Open"), (northAlert.CustomerId, northAlert.Kind, northAlert.Team, northAlert.State));
        Assert.Contains("detractor answer: NPS 2", northAlert.Reasons);
        var all = await engine.Client.Alerts().ListAsync(new ListAlertsRequest(), cancellationToken: Ct);
        Assert.Equal([north, south], all.Alerts.Select(a => a.CustomerId).Order(StringComparer.Ordinal).ToArray().Order(StringComparer.Ordinal));
        var southAlert = all.Alerts.Single(a => a.CustomerId == south);

        // A supervisor cannot act on another team's alert.
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Client.Alerts(NorthSupervisor).AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = southAlert.AlertId }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        // The command flow, each step stored with a new sequence number.
        var acknowledged = await engine.Client.Alerts(NorthSupervisor).AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = northAlert.AlertId }, cancellationToken: Ct);
        Assert.Equal(("Acknowledged", "north-lead"), (acknowledged.State, acknowledged.AcknowledgedBy));
        var watermark = acknowledged.Sequence;
        var assigned = await engine.Client.Alerts(NorthSupervisor).AssignAsync(new AssignAlertRequest { AlertId = northAlert.AlertId, AgentId = "agent-7" }, cancellationToken: Ct);
        Assert.Equal(("Assigned", "agent-7"), (assigned.State, assigned.AssignedTo));
        var resolved = await engine.Client.Alerts(NorthSupervisor).ResolveAsync(new ResolveAlertRequest { AlertId = northAlert.AlertId, Note = "called back" }, cancellationToken: Ct);
        Assert.Equal(("Resolved", "called back"), (resolved.State, resolved.ResolutionNote));
        Assert.True(watermark < assigned.Sequence && assigned.Sequence < resolved.Sequence);
        var again = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Client.Alerts(NorthSupervisor).ResolveAsync(new ResolveAlertRequest { AlertId = northAlert.AlertId }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Client.Alerts().AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = "nobody|ChurnWarning|1" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        // Resuming after the acknowledgement: exactly the two changes after it, in order.
        using var resumed = engine.Client.Alerts(NorthSupervisor).Watch(new WatchAlertsRequest { AfterSequence = watermark }, cancellationToken: Ct);
        var missed = new List<Alert>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (missed.Count < 2 && await resumed.ResponseStream.MoveNext(timeout.Token)) missed.Add(resumed.ResponseStream.Current);
        Assert.Equal([assigned.Sequence, resolved.Sequence], missed.Select(a => a.Sequence));

        // And then live: a new north alert arrives on the same stream; the resolved one is not repeated.
        var later = await DetractorAsync(engine, "north");
        Assert.True(await resumed.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(later, resumed.ResponseStream.Current.CustomerId);
    }

    [Fact]
    public async Task A_resumed_watch_catches_up_on_more_changes_than_one_page()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: Settings);
        // A watch resumes from a sequence it saw: one alert before the burst (a new watch, without one, gets the newest open alerts only).
        await AlertEvents.RaiseAsync(engine.Client, $"before-{Guid.NewGuid():N}", "north");
        var watermark = (await engine.Client.Alerts().ListAsync(new ListAlertsRequest(), cancellationToken: Ct)).Alerts.Select(a => a.Sequence).DefaultIfEmpty(0).Max();
        Assert.True(watermark > 0);
        const int Count = 1_500; // more than one catch-up page (1,000), and more than a new watch is sent (Engagement:Limits:SupervisorBacklog)
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        var events = Enumerable.Range(0, Count).Select(i => new Event
        {
            EventId = Events.NewId(), CustomerId = $"burst-{i}-{Guid.NewGuid():N}", Channel = "email",
            OccurredAt = Timestamp.FromDateTimeOffset(at), Survey = new Survey { Nps = 0 },
        }).ToList();
        foreach (var chunk in events.Chunk(500))
        {
            Assert.Equal(chunk.Length, (await engine.Client.Ingest().SubmitAsync(Events.Batch(chunk), cancellationToken: Ct)).Accepted);
        }

        using var resumed = engine.Client.Alerts().Watch(new WatchAlertsRequest { AfterSequence = watermark }, cancellationToken: Ct);
        var received = new List<Alert>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (received.Count < Count && await resumed.ResponseStream.MoveNext(timeout.Token)) received.Add(resumed.ResponseStream.Current);

        Assert.Equal(Count, received.Count);
        Assert.Equal(received.Select(a => a.Sequence).Order(), received.Select(a => a.Sequence));
        Assert.Equal(events.Select(e => e.CustomerId).Order(StringComparer.Ordinal), received.Select(a => a.CustomerId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Listing_in_pages_lists_every_open_alert_once_while_alerts_change_and_arrive_between_pages()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: Settings);
        var open = new List<string>();
        for (var i = 0; i < 6; i++) open.Add(await DetractorAsync(engine, "north"));
        var alerts = engine.Client.Alerts(NorthSupervisor);

        var first = await alerts.ListAsync(new ListAlertsRequest { PageSize = 2 }, cancellationToken: Ct);
        Assert.Equal(2, first.Alerts.Count);
        // Between pages every alert not listed yet changes (its latest change is now newer than any listed), one listed
        // alert changes too, and a new alert arrives.
        var listed = first.Alerts.Select(a => a.AlertId).ToHashSet();
        foreach (var customer in open)
        {
            var alertId = (await alerts.ListAsync(new ListAlertsRequest { PageSize = 100 }, cancellationToken: Ct)).Alerts.Single(a => a.CustomerId == customer).AlertId;
            if (!listed.Contains(alertId)) await alerts.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alertId }, cancellationToken: Ct);
        }
        await alerts.AssignAsync(new AssignAlertRequest { AlertId = first.Alerts[0].AlertId, AgentId = "agent-7" }, cancellationToken: Ct);
        var arrived = await DetractorAsync(engine, "north");

        var seen = first.Alerts.Select(a => a.CustomerId).ToList();
        var token = first.NextPageToken;
        while (token.Length > 0)
        {
            var page = await alerts.ListAsync(new ListAlertsRequest { PageSize = 2, PageToken = token }, cancellationToken: Ct);
            seen.AddRange(page.Alerts.Select(a => a.CustomerId));
            token = page.NextPageToken;
        }

        // Every alert open from the start, once; the one that arrived meanwhile at most once (it belongs before the first page).
        Assert.Equal(open.Order(StringComparer.Ordinal), seen.Where(c => c != arrived).Order(StringComparer.Ordinal));
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        var again = await Assert.ThrowsAsync<RpcException>(() => alerts.ListAsync(new ListAlertsRequest { PageToken = "42" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, again.StatusCode);
    }

    [Fact]
    public async Task The_alerts_service_refuses_the_wrong_role()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: Settings);
        foreach (var (key, expected) in new (string?, StatusCode)[]
                 {
                     (null, StatusCode.Unauthenticated), (TestKeys.Channel, StatusCode.PermissionDenied), (TestKeys.Agent, StatusCode.PermissionDenied),
                 })
        {
            var list = await Assert.ThrowsAsync<RpcException>(() => engine.Client.Alerts(key).ListAsync(new ListAlertsRequest(), cancellationToken: Ct).ResponseAsync);
            Assert.Equal(expected, list.StatusCode);
            var ack = await Assert.ThrowsAsync<RpcException>(() => engine.Client.Alerts(key).AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = "x|ChurnWarning|1" }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(expected, ack.StatusCode);
            using var watch = engine.Client.Alerts(key).Watch(new WatchAlertsRequest(), cancellationToken: Ct);
            var stream = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(Ct));
            Assert.Equal(expected, stream.StatusCode);
        }
        Assert.NotNull(await engine.Client.Alerts(TestKeys.Admin).ListAsync(new ListAlertsRequest(), cancellationToken: Ct));
    }

    /// <summary>A customer of a region answers a survey as a detractor: a satisfaction-drop alert for that team.</summary>
    private static async Task<string> DetractorAsync(EngineHost engine, string region)
    {
        var customer = $"{region}-{Guid.NewGuid():N}";
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        var profile = new Event
        {
            EventId = Events.NewId(), CustomerId = customer, Channel = "app", OccurredAt = Timestamp.FromDateTimeOffset(at),
            ProfileUpdate = new ProfileUpdate { Attributes = { ["region"] = region } },
        };
        var survey = new Event
        {
            EventId = Events.NewId(), CustomerId = customer, Channel = "email", OccurredAt = Timestamp.FromDateTimeOffset(at.AddMinutes(1)),
            Survey = new Survey { Nps = 2 },
        };
        Assert.Equal(2, (await engine.Client.Ingest().SubmitAsync(Events.Batch(profile, survey), cancellationToken: Ct)).Accepted);
        return customer;
    }
}
