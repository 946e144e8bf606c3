using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Push;
using Engagement.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Push;

/// <summary>
/// The supervisor hub as supervisors use it: real SignalR clients (JSON and MessagePack) against the
/// real engine; alerts raised by events streamed in over gRPC (a detractor answer).
/// </summary>
/// <remarks>
/// The engine is shared by the tests of this class, so a supervisor of every team also sees the alerts
/// of earlier tests: each test reads only the alerts of its own customers. The exact-backlog checks are
/// in <see cref="SupervisorHubRestartTests"/>, on an engine of their own.
/// </remarks>
public sealed class SupervisorHubTests(PushEngineFixture engine) : IClassFixture<PushEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Protocols => ["json", "messagepack"];

    private static string NewCustomer() => $"c-{Guid.NewGuid():N}";

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Supervisors_see_alerts_live_and_on_connect_and_every_change_of_acknowledge_assign_and_resolve_reaches_them_all(string protocol)
    {
        var customer = NewCustomer();
        await using var first = await SupervisorAsync(TestKeys.Supervisor, protocol);

        await AlertEvents.RaiseAsync(engine.Client, customer, "north");
        var raised = await first.NextAlertAsync(customer);
        Assert.Equal(AlertKind.SatisfactionDrop, raised.Kind);
        Assert.Equal(AlertState.Open, raised.State);
        Assert.Equal("north", raised.Team);
        Assert.True(raised.Sequence > 0);
        Assert.Contains("detractor answer: NPS 3", raised.Reasons);
        Assert.Equal("north", raised.Context.Profile["region"]);
        Assert.False(string.IsNullOrEmpty(raised.Context.Stage));

        // A supervisor who connects later finds the open alert waiting.
        await using var second = await SupervisorAsync(PushKeys.NorthSupervisor, protocol);
        Assert.Equal(raised, await second.NextAlertAsync(customer), AlertComparer.Instance);
        await using var ada = await AgentAsync(PushKeys.Ada, protocol);

        var acknowledged = await second.AcknowledgeAsync(raised.AlertId);
        Assert.Equal((AlertState.Acknowledged, "supervisor-north"), (acknowledged.State, acknowledged.AcknowledgedBy));
        Assert.True(acknowledged.Sequence > raised.Sequence);
        await EveryoneGetsAsync(acknowledged, customer, first, second);

        var assigned = await first.AssignAsync(raised.AlertId, "ada");
        Assert.Equal((AlertState.Assigned, "ada", PushKeys.AllTeamsSupervisorName), (assigned.State, assigned.AssignedTo, assigned.AssignedBy));
        await EveryoneGetsAsync(assigned, customer, first, second, ada);

        var resolved = await second.ResolveAsync(raised.AlertId, "called back, voucher sent");
        Assert.Equal((AlertState.Resolved, "supervisor-north", "called back, voucher sent"), (resolved.State, resolved.ResolvedBy, resolved.ResolutionNote));
        await EveryoneGetsAsync(resolved, customer, first, second, ada);

        // Resolved is gone from the open alerts: a supervisor connecting now gets, of these two customers,
        // only the alert raised after it connected.
        var other = NewCustomer();
        await using var third = await SupervisorAsync(PushKeys.NorthSupervisor, protocol);
        await AlertEvents.RaiseAsync(engine.Client, other, "north");
        Assert.Equal(other, (await third.NextAlertAsync(customer, other)).CustomerId);
    }

    [Fact]
    public async Task Alerts_raised_together_are_stored_in_groups_yet_each_has_its_own_sequence_arrives_once_and_is_replayed_in_order()
    {
        var customers = Enumerable.Range(0, 60).Select(_ => NewCustomer()).ToArray();
        await using var live = await SupervisorAsync(TestKeys.Supervisor, "messagepack");

        // Sixty customers at once: their alert grains save concurrently, so the writer commits them in groups.
        await Task.WhenAll(customers.Select(c => AlertEvents.RaiseAsync(engine.Client, c, "north")));
        var raised = await live.NextAlertsAsync(customers.Length, customers);
        Assert.Equal(customers.Order(), raised.Select(a => a.CustomerId).Order());
        Assert.Equal(customers.Length, raised.Select(a => a.Sequence).Distinct().Count());

        // Reconnecting from just before the first: the same changes, each once, in sequence order.
        var before = raised.Min(a => a.Sequence) - 1;
        await using var replay = await PushClient.ConnectAsync(
            new Uri(engine.Host.WebAddress, $"/hubs/supervisor?{SupervisorHub.AfterParameter}={before}"), TestKeys.Supervisor);
        var replayed = await replay.NextAlertsAsync(customers.Length, customers);
        Assert.Equal(raised.Select(a => a.Sequence).Order(), replayed.Select(a => a.Sequence));
        Assert.Equal(raised.OrderBy(a => a.Sequence), replayed, AlertComparer.Instance);
    }

    [Fact]
    public async Task A_supervisor_sees_only_its_teams_alerts_and_may_not_act_on_another_teams()
    {
        var south = NewCustomer();
        var north = NewCustomer();
        await using var everyTeam = await SupervisorAsync(TestKeys.Supervisor);
        await using var northSupervisor = await SupervisorAsync(PushKeys.NorthSupervisor);
        await using var southSupervisor = await SupervisorAsync(PushKeys.SouthSupervisor, "messagepack");

        await AlertEvents.RaiseAsync(engine.Client, south, "south");
        var southAlert = await everyTeam.NextAlertAsync(south);
        Assert.Equal(southAlert, await southSupervisor.NextAlertAsync(south, north), AlertComparer.Instance);
        // The gateway hands each change to all its connections at once: the supervisor of every team got the
        // south alert, so the north supervisor had its chance too. Its next alert of the two is the north one.
        await AlertEvents.RaiseAsync(engine.Client, north, "north");
        var northAlert = await northSupervisor.NextAlertAsync(south, north);
        Assert.Equal((north, "north"), (northAlert.CustomerId, northAlert.Team));

        var refused = await Assert.ThrowsAsync<HubException>(() => northSupervisor.AcknowledgeAsync(southAlert.AlertId));
        Assert.Contains("permission denied", refused.Message);
        Assert.Contains("'south'", refused.Message);
        refused = await Assert.ThrowsAsync<HubException>(() => northSupervisor.AssignAsync(southAlert.AlertId, "ada"));
        Assert.Contains("permission denied", refused.Message);
        refused = await Assert.ThrowsAsync<HubException>(() => northSupervisor.ResolveAsync(southAlert.AlertId, "not mine"));
        Assert.Contains("permission denied", refused.Message);

        // Nothing changed: the south supervisor acknowledges the still open alert, and only the south side hears of it.
        var acknowledged = await southSupervisor.AcknowledgeAsync(southAlert.AlertId);
        Assert.Equal(AlertState.Acknowledged, acknowledged.State);
        Assert.Equal(acknowledged.Sequence, (await everyTeam.NextAlertAsync(south)).Sequence);
        Assert.Equal(acknowledged.Sequence, (await southSupervisor.NextAlertAsync(south, north)).Sequence);

        // A north supervisor connecting now gets the north alert on connect and not the south one.
        await using var lateNorth = await SupervisorAsync(PushKeys.NorthSupervisor);
        Assert.Equal(northAlert.Sequence, (await lateNorth.NextAlertAsync(south, north)).Sequence);
        var marker = await northSupervisor.AcknowledgeAsync(northAlert.AlertId);
        Assert.Equal(marker.Sequence, (await lateNorth.NextAlertAsync(south, north)).Sequence);
    }

    [Fact]
    public async Task Commands_that_do_not_fit_are_refused_with_a_clear_message()
    {
        var customer = NewCustomer();
        await using var supervisor = await SupervisorAsync(TestKeys.Supervisor);
        await AlertEvents.RaiseAsync(engine.Client, customer, "north");
        var alert = await supervisor.NextAlertAsync(customer);

        Assert.Contains("alertId: required", (await Assert.ThrowsAsync<HubException>(() => supervisor.AcknowledgeAsync(" "))).Message);
        Assert.Contains("agentId: required", (await Assert.ThrowsAsync<HubException>(() => supervisor.AssignAsync(alert.AlertId, ""))).Message);
        Assert.Contains("alertId: required", (await Assert.ThrowsAsync<HubException>(() => supervisor.ResolveAsync("", "note"))).Message);
        var unknown = await Assert.ThrowsAsync<HubException>(() => supervisor.AcknowledgeAsync($"{NewCustomer()}|SatisfactionDrop|1"));
        Assert.Contains("not found", unknown.Message);
        Assert.Contains("not found", (await Assert.ThrowsAsync<HubException>(() => supervisor.AcknowledgeAsync("not an alert id"))).Message);

        await supervisor.AcknowledgeAsync(alert.AlertId);
        var twice = await Assert.ThrowsAsync<HubException>(() => supervisor.AcknowledgeAsync(alert.AlertId));
        Assert.Contains("only an open alert can be acknowledged", twice.Message);
        var resolved = await supervisor.ResolveAsync(alert.AlertId, null);
        Assert.Equal((AlertState.Resolved, ""), (resolved.State, resolved.ResolutionNote));
        Assert.Contains("resolved already", (await Assert.ThrowsAsync<HubException>(() => supervisor.ResolveAsync(alert.AlertId, "again"))).Message);
        Assert.Contains("resolved already", (await Assert.ThrowsAsync<HubException>(() => supervisor.AssignAsync(alert.AlertId, "ada"))).Message);
    }

    [Fact]
    public async Task The_json_alert_has_camel_case_fields_and_enum_names()
    {
        var customer = NewCustomer();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(engine.Host.WebAddress, "/hubs/supervisor"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestKeys.Supervisor))
            .Build();
        var raw = Channel.CreateUnbounded<JsonElement>();
        connection.On<JsonElement>(SupervisorHub.AlertMethod, alert => raw.Writer.TryWrite(alert));
        await connection.StartAsync(Ct);

        await AlertEvents.RaiseAsync(engine.Client, customer, "north");

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(PushClient.Timeout);
        JsonElement alert;
        do alert = await raw.Reader.ReadAsync(deadline.Token);
        while (alert.GetProperty("customerId").GetString() != customer);
        Assert.True(alert.GetProperty("sequence").GetInt64() > 0);
        Assert.Equal("SatisfactionDrop", alert.GetProperty("kind").GetString());
        Assert.Equal("Open", alert.GetProperty("state").GetString());
        Assert.True(alert.TryGetProperty("severity", out var severity) && severity.ValueKind == JsonValueKind.String);
        Assert.Equal("north", alert.GetProperty("team").GetString());
        Assert.Equal("north", alert.GetProperty("context").GetProperty("profile").GetProperty("region").GetString());
        Assert.True(alert.GetProperty("context").TryGetProperty("churnRisk", out _));
        Assert.Equal(JsonValueKind.Array, alert.GetProperty("reasons").ValueKind);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(TestKeys.Channel, HttpStatusCode.Forbidden)]
    [InlineData(TestKeys.Agent, HttpStatusCode.Forbidden)]
    [InlineData(PushKeys.Ada, HttpStatusCode.Forbidden)]
    [InlineData("not-a-key-of-this-engine-0123456789", HttpStatusCode.Unauthorized)]
    public async Task Connecting_without_a_supervisors_key_is_refused(string? key, HttpStatusCode expected)
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => SupervisorAsync(key));
        Assert.Equal(expected, error.StatusCode);
    }

    [Fact]
    public async Task An_admin_supervises_every_team()
    {
        var customer = NewCustomer();
        await using var admin = await SupervisorAsync(TestKeys.Admin);
        await AlertEvents.RaiseAsync(engine.Client, customer, "south");
        var alert = await admin.NextAlertAsync(customer);
        Assert.Equal(AlertState.Acknowledged, (await admin.AcknowledgeAsync(alert.AlertId)).State);
    }

    [Fact]
    public async Task A_bad_after_sequence_closes_the_connection_with_the_reason()
    {
        var hub = new Uri(engine.Host.WebAddress, $"/hubs/supervisor?{SupervisorHub.AfterParameter}=yesterday");
        await using var supervisor = await PushClient.ConnectAsync(hub, TestKeys.Supervisor);
        var error = await supervisor.ClosedAsync();
        Assert.NotNull(error);
        Assert.Contains("after: must be the last sequence number seen", error.Message);
    }

    [Fact]
    public async Task A_supervisor_who_leaves_is_forgotten()
    {
        var connections = engine.Host.Services.GetRequiredService<SupervisorConnections>();
        var supervisor = await SupervisorAsync(PushKeys.SouthSupervisor);
        var leaving = supervisor.ConnectionId;
        // The client is connected once the handshake is done; the hub's connect handler may still be running.
        await Wait.UntilAsync(() => Task.FromResult(connections.Holds(leaving)), PushClient.Timeout, "the registry holds a supervisor who connected");
        await supervisor.DisposeAsync();
        await Wait.UntilAsync(() => Task.FromResult(!connections.Holds(leaving)), PushClient.Timeout, "the registry forgets a supervisor who left");
    }

    private static async Task EveryoneGetsAsync(Alert change, string customer, params PushClient[] clients)
    {
        foreach (var client in clients) Assert.Equal(change, await client.NextAlertAsync(customer), AlertComparer.Instance);
    }

    private Task<PushClient> SupervisorAsync(string? key, string protocol = "json") =>
        PushClient.ConnectAsync(new Uri(engine.Host.WebAddress, "/hubs/supervisor"), key, protocol);

    private Task<PushClient> AgentAsync(string key, string protocol = "json") =>
        PushClient.ConnectAsync(new Uri(engine.Host.WebAddress, "/hubs/agent"), key, protocol);
}
