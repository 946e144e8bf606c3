using System.Net;
using System.Net.Http.Json;
using Engagement.Contracts.Activity;
using Engagement.Contracts.Customers;
using Engagement.Contracts.V1;
using Engagement.Tests.Console;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Tests.Push;

/// <summary>The engine with customer reads scoped by team (<c>Engagement:Security:ScopeCustomerReads</c>).</summary>
public sealed class ScopedReadsEngineFixture : IAsyncLifetime
{
    private EngineHost? _host;

    public EngineHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync() => _host = await EngineHost.StartEmbeddedAsync(settings:
        [.. TestLimits.Configuration(), .. PushKeys.Configuration(), new("Engagement:Security:ScopeCustomerReads", "true")]);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>
/// Issue 15, item 4: team scope beyond the board. A north supervisor's key read any team's customer on
/// <c>Customers.Get</c>/<c>Watch</c>, the agent hub and <c>/api/customers</c>; with scoping on it reads only north's,
/// while a key of every team still reads them all.
/// </summary>
public sealed class TeamScopedReadsTests(ScopedReadsEngineFixture engine) : IClassFixture<ScopedReadsEngineFixture>
{
    private static readonly DateTimeOffset Day = DateTimeOffset.UtcNow.AddDays(-2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string North, string South, string Run)> CustomersAsync()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (north, south) = ($"scope-n-{run}", $"scope-s-{run}");
        await engine.Host.Client.SubmitAcceptedAsync(
            Events.Purchase(north, 20, Day), Events.Profile(north, Day, ("region", "north"), ("name", $"Scoped{run} North"), ("email", $"n.{run}@example.com")),
            Events.Purchase(south, 20, Day), Events.Profile(south, Day, ("region", "south"), ("name", $"Scoped{run} South"), ("email", $"s.{run}@example.com")));
        return (north, south, run);
    }

    [Fact]
    public async Task A_team_key_gets_and_watches_only_its_teams_customers_over_grpc()
    {
        var (north, south, _) = await CustomersAsync();
        var northLead = engine.Host.Client.Customers(PushKeys.NorthSupervisor);

        Assert.Equal(north, (await northLead.GetAsync(new GetCustomerRequest { CustomerId = north }, cancellationToken: Ct)).CustomerId);
        var denied = await Assert.ThrowsAsync<RpcException>(() => northLead.GetAsync(new GetCustomerRequest { CustomerId = south }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("another team", denied.Status.Detail, StringComparison.Ordinal);

        using var watch = northLead.Watch(new WatchCustomerRequest { CustomerId = south }, cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        // Keys of every team (the agent's and supervisor's test keys have none) read both.
        Assert.Equal(south, (await engine.Host.Client.Customers(TestKeys.Agent).GetAsync(new GetCustomerRequest { CustomerId = south }, cancellationToken: Ct)).CustomerId);
        var southDenied = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Host.Client.Customers(PushKeys.SouthSupervisor).GetAsync(new GetCustomerRequest { CustomerId = north }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, southDenied.StatusCode);
    }

    [Fact]
    public async Task The_agent_hub_refuses_to_watch_another_teams_customer()
    {
        var (north, south, _) = await CustomersAsync();
        await using var northLead = await PushClient.ConnectAsync(new Uri(engine.Host.WebAddress, "/hubs/agent"), PushKeys.NorthSupervisor);

        var refused = await Assert.ThrowsAsync<HubException>(() => northLead.WatchAsync(south));
        Assert.Contains("permission denied", refused.Message, StringComparison.Ordinal);

        await northLead.WatchAsync(north);
        Assert.Equal(north, (await northLead.NextCardAsync()).CustomerId);
    }

    [Fact]
    public async Task Lookup_recent_and_search_answer_a_team_key_with_its_teams_customers_only()
    {
        var (north, south, run) = await CustomersAsync();
        using var northLead = engine.Host.Http(PushKeys.NorthSupervisor);
        using var everyone = engine.Host.Http(TestKeys.Supervisor);

        Assert.Equal(HttpStatusCode.OK, (await northLead.GetAsync($"/api/customers/lookup?q={north}", Ct)).StatusCode);
        await ConsoleAssertions.AssertProblemAsync(await northLead.GetAsync($"/api/customers/lookup?q={south}", Ct), HttpStatusCode.Forbidden, "q");
        await ConsoleAssertions.AssertProblemAsync(await northLead.GetAsync($"/api/customers/lookup?q=s.{run}@example.com", Ct), HttpStatusCode.Forbidden, "q");
        Assert.Equal(HttpStatusCode.OK, (await everyone.GetAsync($"/api/customers/lookup?q={south}", Ct)).StatusCode);

        // Gateways report recent customers now and then.
        await Wait.UntilAsync(async () => (await everyone.GetFromJsonAsync<List<RecentCustomer>>("/api/customers/recent?limit=100", Ct))!
            .Count(r => r.CustomerId == south || r.CustomerId == north) == 2, TimeSpan.FromSeconds(30), "both customers are recent");
        var recentNorth = await northLead.GetFromJsonAsync<List<RecentCustomer>>("/api/customers/recent?limit=100", Ct);
        Assert.Contains(recentNorth!, r => r.CustomerId == north);
        Assert.DoesNotContain(recentNorth!, r => r.CustomerId == south);

        // The search reads the digests, written a moment after the events.
        await Wait.UntilAsync(async () => (await everyone.GetFromJsonAsync<List<CustomerSearchHit>>($"/api/customers/search?q=scoped{run}", Ct))!.Count == 2,
            TimeSpan.FromSeconds(30), "both customers are searchable");
        var hits = await northLead.GetFromJsonAsync<List<CustomerSearchHit>>($"/api/customers/search?q=scoped{run}", Ct);
        Assert.Equal([north], hits!.Select(h => h.CustomerId));
    }
}
