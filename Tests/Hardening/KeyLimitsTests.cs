using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.V1;
using Engagement.Gateway.Alerts;
using Engagement.Gateway.Push;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Grpc.Core;
using Microsoft.AspNetCore.SignalR.Client;

namespace Engagement.Tests.Hardening;

/// <summary>
/// Issue 15, item 6: no read or connection is unbounded. A supervisor connection is sent a bounded backlog and told
/// when there is more; each key is limited in HTTP API requests (429, problem details, Retry-After), gRPC streams
/// (RESOURCE_EXHAUSTED) and hub connections (a hub error), and one key's excess leaves the other keys alone.
/// Real clients against a real engine with small limits.
/// </summary>
public sealed class KeyLimitsTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewCustomer() => $"c-{Guid.NewGuid():N}";

    private static Task<EngineHost> StartAsync(params (string Key, string Value)[] limits) =>
        EngineHost.StartEmbeddedAsync(settings: [.. TestLimits.Configuration(), .. limits.Select(l => KeyValuePair.Create($"Engagement:Limits:{l.Key}", l.Value))]);

    [Fact]
    public async Task A_supervisor_connecting_after_zero_gets_the_newest_alerts_up_to_the_limit_and_is_told_there_are_more()
    {
        await using var engine = await StartAsync(("SupervisorBacklog", "5"));
        var customers = Enumerable.Range(0, 8).Select(_ => NewCustomer()).ToArray();
        foreach (var customer in customers) await AlertEvents.RaiseAsync(engine.Client, customer, "north");

        var connection = PushClient.Build(new Uri(engine.WebAddress, $"/hubs/supervisor?{SupervisorHub.AfterParameter}=0"), TestKeys.Supervisor);
        var notices = new TaskCompletionSource<AlertBacklogNotice>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<AlertBacklogNotice>(SupervisorHub.BacklogMethod, notice => notices.TrySetResult(notice));
        await using var supervisor = await PushClient.StartAsync(connection);

        var notice = await notices.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal((5, true, true), (notice.Sent, notice.More, notice.Reset));
        Assert.Contains("Alerts.List", notice.Message);
        var backlog = await supervisor.NextAlertsAsync(5, customers);
        Assert.Equal(customers[3..], backlog.Select(a => a.CustomerId));

        // Nothing of the older history follows: the next alert is a new one, live.
        var later = NewCustomer();
        await AlertEvents.RaiseAsync(engine.Client, later, "north");
        Assert.Equal(later, (await supervisor.NextAlertAsync([.. customers, later])).CustomerId);

        // A gRPC watch is bounded alike, and says so in its headers.
        using var watch = engine.Client.Alerts().Watch(new WatchAlertsRequest(), cancellationToken: Ct);
        var headers = await watch.ResponseHeadersAsync;
        Assert.Equal("more", headers.GetValue(AlertsService.BacklogHeader));
        var sent = new List<string>();
        for (var i = 0; i < 5 && await watch.ResponseStream.MoveNext(Ct); i++) sent.Add(watch.ResponseStream.Current.CustomerId);
        Assert.Equal([.. customers[4..], later], sent);
    }

    [Fact]
    public async Task The_http_api_answers_429_with_problem_details_and_retry_after_per_key()
    {
        await using var engine = await StartAsync(("HttpRequestsPerSecond", "1"), ("HttpBurst", "3"));
        using var agent = engine.Http(TestKeys.Agent);
        using var supervisor = engine.Http(TestKeys.Supervisor);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await agent.GetAsync("/api/me", Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else response.Dispose();
        }

        Assert.NotNull(refused);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));
        Assert.True(refused.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "Retry-After in seconds");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("Engagement:Limits:HttpRequestsPerSecond", problem.GetProperty("detail").GetString());
        refused.Dispose();

        // Another key is not held up by this one.
        using var other = await supervisor.GetAsync("/api/me", Ct);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task A_key_past_its_streams_gets_resource_exhausted_and_a_slot_again_when_one_ends()
    {
        await using var engine = await StartAsync(("StreamsPerKey", "2"));
        var customer = NewCustomer();
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(customer, 10, Day));
        var customers = engine.Client.Customers();

        async Task<AsyncServerStreamingCall<Contracts.V1.CustomerCard>> WatchAsync()
        {
            var call = customers.Watch(new WatchCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
            // The first card: the watch holds its slot.
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            return call;
        }

        var first = await WatchAsync();
        using var second = await WatchAsync();
        var refused = await Assert.ThrowsAsync<RpcException>(WatchAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Engagement:Limits:StreamsPerKey", refused.Status.Detail);

        // Other keys are not counted against this one.
        using var other = engine.Client.Customers(TestKeys.Supervisor).Watch(new WatchCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.True(await other.ResponseStream.MoveNext(Ct));

        first.Dispose();
        AsyncServerStreamingCall<Contracts.V1.CustomerCard>? third = null;
        await Wait.UntilAsync(async () => (third = await WatchAsync()) is not null, TimeSpan.FromSeconds(30), "the ended watch's slot is free again");
        third!.Dispose();
    }

    [Fact]
    public async Task A_key_past_its_hub_connections_is_closed_with_a_hub_error_that_says_so()
    {
        await using var engine = await StartAsync(("HubConnectionsPerKey", "2"));
        var hub = new Uri(engine.WebAddress, "/hubs/supervisor");
        await using var first = await PushClient.ConnectAsync(hub, TestKeys.Supervisor);
        await using var second = await PushClient.ConnectAsync(hub, TestKeys.Supervisor, "messagepack");

        await using var third = await PushClient.ConnectAsync(hub, TestKeys.Supervisor);
        var error = await third.ClosedAsync();
        Assert.NotNull(error);
        Assert.Contains("Engagement:Limits:HubConnectionsPerKey", error.Message);

        // Another key still connects.
        await using var admin = await PushClient.ConnectAsync(hub, TestKeys.Admin);
        Assert.False(string.IsNullOrEmpty(admin.ConnectionId));
    }
}
