using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Console;

/// <summary>An engine with a north supervisor and two agents: ann (north) and bob (south).</summary>
public sealed class CasesEngineFixture : IAsyncLifetime
{
    public const string NorthSupervisor = "test-north-supervisor-key-0123";
    public const string Ann = "test-agent-ann-key-0123456789";
    public const string Bob = "test-agent-bob-key-0123456789";

    private EngineHost? _host;

    public EngineHost Host => _host ?? throw new InvalidOperationException("Not started.");

    /// <summary>The keys of the north supervisor and the two agents.</summary>
    public static readonly KeyValuePair<string, string>[] Keys =
    [
        new("Engagement:Keys:4:Key", NorthSupervisor), new("Engagement:Keys:4:Role", "supervisor"), new("Engagement:Keys:4:Name", "north-lead"),
        new("Engagement:Keys:4:Teams:0", "north"),
        new("Engagement:Keys:5:Key", Ann), new("Engagement:Keys:5:Role", "agent"), new("Engagement:Keys:5:Name", "ann"), new("Engagement:Keys:5:Teams:0", "north"),
        new("Engagement:Keys:6:Key", Bob), new("Engagement:Keys:6:Role", "agent"), new("Engagement:Keys:6:Name", "bob"), new("Engagement:Keys:6:Teams:0", "south"),
    ];

    public async ValueTask InitializeAsync() => _host = await EngineHost.StartEmbeddedAsync(settings: Keys);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    /// <summary>A customer of a team (region) answers a survey as a detractor: a satisfaction-drop alert for that team. Ids start with <paramref name="run"/>.</summary>
    public Task<string> DetractorAsync(string region, string run) => DetractorAsync(Host, region, run);

    /// <inheritdoc cref="DetractorAsync(string, string)"/>
    public static async Task<string> DetractorAsync(EngineHost host, string region, string run)
    {
        var customer = $"{run}-{region}-{Guid.NewGuid():N}";
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        await host.Client.SubmitAcceptedAsync(
            new Event
            {
                EventId = Events.NewId(), CustomerId = customer, Channel = "app", OccurredAt = Timestamp.FromDateTimeOffset(at),
                ProfileUpdate = new ProfileUpdate { Attributes = { ["region"] = region } },
            },
            Events.Nps(customer, 2, at.AddMinutes(1)));
        return customer;
    }
}

/// <summary>
/// The board and the agent loop over real HTTP and SignalR against the real engine: cases of the caller's teams with
/// true counts and pages, an agent acting on its own assignments only, the assign picker's agents, the search, and the
/// endpoints' answers to bad input.
/// </summary>
public sealed class CasesApiTests(CasesEngineFixture engine) : IClassFixture<CasesEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private EngineHost Host => engine.Host;

    [Fact]
    public async Task A_supervisor_pages_through_its_teams_cases_with_true_counts()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var team = $"north-{run}";
        var customers = new List<string>();
        for (var i = 0; i < 3; i++) customers.Add(await engine.DetractorAsync(team, run));
        await engine.DetractorAsync($"south-{run}", run);
        using var all = Host.Http(TestKeys.Supervisor);

        var first = await all.GetFromJsonAsync<JsonElement>($"/api/cases?customer={run}&pageSize=2", Ct);
        Assert.Equal(4, first.GetProperty("totalCases").GetInt64());
        Assert.Equal(4, first.GetProperty("countsBySeverity").EnumerateObject().Sum(p => p.Value.GetInt64()));
        Assert.True(first.GetProperty("asOfSequence").GetInt64() > 0);
        var firstCases = first.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(2, firstCases.Count);
        var shown = firstCases[0];
        foreach (var field in new[] { "customerId", "team", "name", "severity", "expectedLoss", "currency", "clv", "churnRisk", "stage", "tier",
                     "openedAt", "dueBy", "escalated", "assignedTo", "lastSequence", "alerts" })
        {
            Assert.True(shown.TryGetProperty(field, out _), $"a case has {field}");
        }
        var alert = shown.GetProperty("alerts")[0];
        Assert.Equal("SatisfactionDrop", alert.GetProperty("kind").GetString());
        foreach (var field in new[] { "alertId", "severity", "state", "title", "reasons", "assignedTo", "raisedAt", "dueBy", "escalated", "outcome" })
        {
            Assert.True(alert.TryGetProperty(field, out _), $"a case's alert has {field}");
        }

        // A new case arriving between pages shifts nothing: the second page continues after the first.
        await engine.DetractorAsync(team, run);
        var token = first.GetProperty("nextPageToken").GetString();
        var second = await all.GetFromJsonAsync<JsonElement>($"/api/cases?customer={run}&pageSize=2&pageToken={Uri.EscapeDataString(token!)}", Ct);
        var seen = firstCases.Concat(second.GetProperty("cases").EnumerateArray()).Select(c => c.GetProperty("customerId").GetString()).ToList();
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(5, second.GetProperty("totalCases").GetInt64());

        // The north supervisor sees its own team only.
        using var north = Host.Http(CasesEngineFixture.NorthSupervisor);
        var northCases = await north.GetFromJsonAsync<JsonElement>($"/api/cases?customer={run}", Ct);
        Assert.Equal(0, northCases.GetProperty("totalCases").GetInt64());
    }

    [Fact]
    public async Task Bad_case_queries_are_refused_naming_the_field()
    {
        using var http = Host.Http(TestKeys.Supervisor);
        foreach (var (query, field) in new[]
                 {
                     ("pageSize=0", "pageSize"), ("pageSize=101", "pageSize"), ("pageSize=ten", "pageSize"), ("sort=random", "sort"),
                     ("state=closed", "state"), ("kind=Fire", "kind"), ("severity=2", "severity"), ("pageToken=nonsense", "pageToken"),
                     ($"customer={new string('x', 300)}", "customer"),
                 })
        {
            await ConsoleAssertions.AssertProblemAsync(await http.GetAsync($"/api/cases?{query}", Ct), HttpStatusCode.BadRequest, field);
        }
        using var agent = Host.Http(TestKeys.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/cases", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/agents", Ct)).StatusCode);
    }

    [Fact]
    public async Task An_agent_acts_only_on_the_alerts_assigned_to_it()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var mine = await AlertIdOfAsync(await engine.DetractorAsync("north", run));
        var other = await AlertIdOfAsync(await engine.DetractorAsync("north", run));
        using var lead = Host.Http(CasesEngineFixture.NorthSupervisor);
        using var ann = Host.Http(CasesEngineFixture.Ann);
        using var bob = Host.Http(CasesEngineFixture.Bob);

        var assigned = await PostAsync(lead, mine, "assign", new { agentId = "ann" });
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        Assert.Equal("ann", (await assigned.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("assignedTo").GetString());

        // Someone else's alert, or one assigned to nobody: 403.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(bob, mine, "acknowledge")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(ann, other, "resolve", new { note = "not mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(ann, other, "outcome", new { outcome = "Reached" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(ann, mine, "assign", new { agentId = "ann" })).StatusCode);

        // The worklist lists the agent's assignment as a case.
        var worklist = await ann.GetFromJsonAsync<JsonElement>("/api/worklist", Ct);
        Assert.Contains(worklist.GetProperty("assigned").EnumerateArray(), c => c.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("alertId").GetString() == mine));
        Assert.Equal(JsonValueKind.Array, worklist.GetProperty("atRisk").ValueKind);

        // Its own: acknowledged (an assignment is acknowledged already: unchanged), then resolved; again is 409.
        var acknowledged = await PostAsync(ann, mine, "acknowledge");
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        var resolved = await PostAsync(ann, mine, "resolve", new { note = "called, all fine" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var body = await resolved.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("Resolved", "ann", "called, all fine"), (body.GetProperty("state").GetString(), body.GetProperty("resolvedBy").GetString(),
            body.GetProperty("resolutionNote").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(ann, mine, "resolve", new { note = "again" })).StatusCode);
        Assert.DoesNotContain((await ann.GetFromJsonAsync<JsonElement>("/api/worklist", Ct)).GetProperty("assigned").EnumerateArray(),
            c => c.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("alertId").GetString() == mine));

        // A supervisor acts on its team's alert as before.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(lead, other, "acknowledge")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(lead, "nobody|ChurnWarning|1", "acknowledge")).StatusCode);
    }

    [Fact]
    public async Task The_outcome_endpoint_checks_its_input_and_the_caller()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var alert = await AlertIdOfAsync(await engine.DetractorAsync("north", run));
        using var lead = Host.Http(CasesEngineFixture.NorthSupervisor);
        using var ann = Host.Http(CasesEngineFixture.Ann);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(lead, alert, "assign", new { agentId = "ann" })).StatusCode);

        foreach (var (body, field) in new (object?, string)[]
                 {
                     (null, "outcome"), (new { }, "outcome"), (new { outcome = "Happy" }, "outcome"), (new { outcome = "3" }, "outcome"),
                     (new { outcome = "Callback" }, "callbackAt"), (new { outcome = "Callback", callbackAt = "tomorrow" }, "callbackAt"),
                     (new { outcome = "Reached", callbackAt = "2026-12-04T10:00:00Z" }, "callbackAt"),
                     (new { outcome = "Reached", note = new string('n', 4001) }, "note"),
                 })
        {
            await ConsoleAssertions.AssertProblemAsync(await PostAsync(ann, alert, "outcome", body), HttpStatusCode.BadRequest, field);
        }
        using var notJson = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        await ConsoleAssertions.AssertProblemAsync(await ann.PostAsync($"/api/alerts/{Uri.EscapeDataString(alert)}/outcome", notJson, Ct),
            HttpStatusCode.BadRequest, "body");
        using var longKey = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{Uri.EscapeDataString(alert)}/outcome")
        {
            Content = JsonContent.Create(new { outcome = "Reached" }),
        };
        longKey.Headers.Add("Idempotency-Key", new string('k', 129));
        await ConsoleAssertions.AssertProblemAsync(await ann.SendAsync(longKey, Ct), HttpStatusCode.BadRequest, "Idempotency-Key");
        using var channel = Host.Http(TestKeys.Channel);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(channel, alert, "outcome", new { outcome = "Reached" })).StatusCode);
        await ConsoleAssertions.AssertProblemAsync(await PostAsync(lead, alert, "assign", new { }), HttpStatusCode.BadRequest, "agentId");

        // The outcome itself: recorded on the alert; Retained resolves it with the agent's note; a repeat finds it
        // resolved (409) and records nothing more.
        using var reached = await PostAsync(ann, alert, "outcome", new { outcome = "Reached", note = "spoke to her" });
        Assert.Equal(HttpStatusCode.OK, reached.StatusCode);
        Assert.Equal("Reached", (await reached.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("outcome").GetString());
        using var retained = await PostAsync(ann, alert, "outcome", new { outcome = "Retained", note = "voucher accepted" });
        Assert.Equal(HttpStatusCode.OK, retained.StatusCode);
        var resolved = await retained.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("Resolved", "Retained", "voucher accepted"),
            (resolved.GetProperty("state").GetString(), resolved.GetProperty("outcome").GetString(), resolved.GetProperty("resolutionNote").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(ann, alert, "outcome", new { outcome = "Retained" })).StatusCode);
    }

    [Fact]
    public async Task An_outcome_retried_with_its_key_gets_the_first_answer_and_is_one_event_though_the_first_resolved_the_alert()
    {
        var (customer, alert) = await AssignedToAnnAsync();
        using var ann = Host.Http(CasesEngineFixture.Ann);
        using var bob = Host.Http(CasesEngineFixture.Bob);

        // The first answer resolves the alert; the retry (a lost answer, a double click) gets the same answer, not 409.
        using var first = await OutcomeAsync(ann, alert, "key-1", new { outcome = "Retained", note = "voucher accepted" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answer = await first.Content.ReadAsStringAsync(Ct);
        Assert.Equal("Resolved", JsonDocument.Parse(answer).RootElement.GetProperty("state").GetString());
        using var retry = await OutcomeAsync(ann, alert, "key-1", new { outcome = "Retained", note = "voucher accepted" });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(answer, await retry.Content.ReadAsStringAsync(Ct));

        // The key is no pass: another agent's retry is refused; another key is a new request, which finds the alert resolved.
        Assert.Equal(HttpStatusCode.Forbidden, (await OutcomeAsync(bob, alert, "key-1", new { outcome = "Retained" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await OutcomeAsync(ann, alert, "key-2", new { outcome = "Lost" })).StatusCode);

        // The agent hub's requestId is the same key: a repeated call answers as the first (resolving) one did.
        var (_, other) = await AssignedToAnnAsync();
        await using var hub = PushClient.Build(new Uri(Host.WebAddress, "/hubs/agent"), CasesEngineFixture.Ann);
        await hub.StartAsync(Ct);
        var lost = await hub.InvokeAsync<Engagement.Contracts.Alerts.Alert>("RecordOutcome", other, "Lost", null, "moved abroad", "request-1", Ct);
        var again = await hub.InvokeAsync<Engagement.Contracts.Alerts.Alert>("RecordOutcome", other, "Lost", null, "moved abroad", "request-1", Ct);
        Assert.Equal((Engagement.Contracts.Alerts.AlertState.Resolved, lost.Sequence), (again.State, again.Sequence));

        // One event in the customer's journal for the two requests.
        Assert.Equal(1, await ContactOutcomesOfAsync(customer));
    }

    [Fact]
    public async Task An_outcome_begun_but_never_answered_is_finished_by_its_retry_as_one_event()
    {
        var (customer, alert) = await AssignedToAnnAsync();
        using var ann = Host.Http(CasesEngineFixture.Ann);

        // A first request got past its checks and its event landed (the alert is resolved), and then its gateway stopped
        // before it kept the answer.
        var grains = Host.Services.GetRequiredService<IGrainFactory>();
        var eventId = $"contact-outcome|{alert}|key-1";
        await grains.GetGrain<Engagement.Contracts.Alerts.IOutcomeRequestGrain>(0).Begin(eventId, alert);
        var payload = new Engagement.Contracts.Customers.ContactOutcomePayload(Engagement.Contracts.Alerts.AlertOutcome.Retained, null, "stays", "ann", alert);
        await grains.GetGrain<Engagement.Contracts.Customers.ICustomerGrain>(customer)
            .Apply([new Engagement.Contracts.Customers.CustomerEvent(eventId, "agent", DateTimeOffset.UtcNow, payload)]);

        // Its retry answers the alert as the first request left it, and adds no event.
        using var retry = await OutcomeAsync(ann, alert, "key-1", new { outcome = "Retained", note = "stays" });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var answer = await retry.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("Resolved", "Retained", "stays"), (answer.GetProperty("state").GetString(), answer.GetProperty("outcome").GetString(),
            answer.GetProperty("resolutionNote").GetString()));
        Assert.Equal(1, await ContactOutcomesOfAsync(customer));
    }

    [Fact]
    public async Task An_outcome_retried_with_its_key_after_a_restart_gets_the_answer_given_before()
    {
        var data = Directory.CreateTempSubdirectory("engagement-outcome-").FullName;
        try
        {
            string alert, answer;
            await using (var before = await EngineHost.StartEmbeddedAsync(data, CasesEngineFixture.Keys))
            {
                alert = await AlertIdOfAsync(before, await CasesEngineFixture.DetractorAsync(before, "north", "restart"));
                using var lead = before.Http(CasesEngineFixture.NorthSupervisor);
                Assert.Equal(HttpStatusCode.OK, (await PostAsync(lead, alert, "assign", new { agentId = "ann" })).StatusCode);
                using var ann = before.Http(CasesEngineFixture.Ann);
                using var first = await OutcomeAsync(ann, alert, "key-1", new { outcome = "Lost", note = "moved abroad" });
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
                answer = await first.Content.ReadAsStringAsync(Ct);
            }

            await using var after = await EngineHost.StartEmbeddedAsync(data, CasesEngineFixture.Keys);
            using var again = after.Http(CasesEngineFixture.Ann);
            using var retry = await OutcomeAsync(again, alert, "key-1", new { outcome = "Lost", note = "moved abroad" });
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.Equal(answer, await retry.Content.ReadAsStringAsync(Ct));
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    [Fact]
    public async Task The_agent_hub_acts_on_the_callers_own_assignments()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var mine = await AlertIdOfAsync(await engine.DetractorAsync("north", run));
        var other = await AlertIdOfAsync(await engine.DetractorAsync("north", run));
        using var lead = Host.Http(CasesEngineFixture.NorthSupervisor);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(lead, mine, "assign", new { agentId = "ann" })).StatusCode);
        await using var ann = PushClient.Build(new Uri(Host.WebAddress, "/hubs/agent"), CasesEngineFixture.Ann);
        await ann.StartAsync(Ct);

        var refused = await Assert.ThrowsAsync<HubException>(() => ann.InvokeAsync<Engagement.Contracts.Alerts.Alert>("Resolve", other, "no", Ct));
        Assert.Contains("permission denied", refused.Message);
        var invalid = await Assert.ThrowsAsync<HubException>(() =>
            ann.InvokeAsync<Engagement.Contracts.Alerts.Alert>("RecordOutcome", mine, "Happy", null, null, null, Ct));
        Assert.Contains("outcome", invalid.Message);
        var resolved = await ann.InvokeAsync<Engagement.Contracts.Alerts.Alert>("Resolve", mine, "done", Ct);
        Assert.Equal((Engagement.Contracts.Alerts.AlertState.Resolved, "ann"), (resolved.State, resolved.ResolvedBy));
    }

    [Fact]
    public async Task The_assign_picker_lists_the_agents_of_the_callers_teams()
    {
        using var north = Host.Http(CasesEngineFixture.NorthSupervisor);
        using var all = Host.Http(TestKeys.Supervisor);

        var northAgents = (await north.GetFromJsonAsync<JsonElement>("/api/agents", Ct)).EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();
        var allAgents = (await all.GetFromJsonAsync<JsonElement>("/api/agents", Ct)).EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();

        // The test keys' agent serves every team ("*"); bob serves south only.
        Assert.Contains("ann", northAgents);
        Assert.DoesNotContain("bob", northAgents);
        Assert.Contains("bob", allAgents);
        Assert.Contains("Engagement:Keys:1", northAgents);
    }

    [Fact]
    public async Task Customers_are_searched_by_part_of_the_id_the_number_alone_a_name_or_an_email()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var number = $"9{Random.Shared.Next(10_000_000, 99_999_999)}";
        var customer = $"shop{run}-{number}";
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await Host.Client.SubmitAcceptedAsync(Events.Purchase(customer, 10, at),
            Events.Profile(customer, at, ("name", $"Grace {run} Hopper"), ("email", $"Grace.{run}@Example.com")));
        using var http = Host.Http(TestKeys.Agent);

        async Task<List<string?>> SearchAsync(string q) =>
            [.. (await http.GetFromJsonAsync<JsonElement>($"/api/customers/search?q={Uri.EscapeDataString(q)}", Ct)).EnumerateArray()
                .Select(h => h.GetProperty("customerId").GetString())];

        // The digest is written with the journal's next group commit.
        await Wait.UntilAsync(async () => (await SearchAsync($"shop{run}")).Contains(customer), TimeSpan.FromSeconds(30), "the customer's digest");
        Assert.Equal([customer], await SearchAsync(number));
        Assert.Equal([customer], await SearchAsync($"grace {run}"));
        Assert.Equal([customer], await SearchAsync($"GRACE.{run}@"));
        var lookup = await http.GetFromJsonAsync<JsonElement>($"/api/customers/lookup?q={number}", Ct);
        Assert.Equal((customer, "number"), (lookup.GetProperty("customerId").GetString(), lookup.GetProperty("matchedBy").GetString()));

        await ConsoleAssertions.AssertProblemAsync(await http.GetAsync("/api/customers/search?q=a", Ct), HttpStatusCode.BadRequest, "q");
        await ConsoleAssertions.AssertProblemAsync(await http.GetAsync("/api/customers/search", Ct), HttpStatusCode.BadRequest, "q");
        Assert.True((await SearchAsync("shop")).Count <= 20);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string alertId, string action, object? body = null) =>
        http.PostAsync($"/api/alerts/{Uri.EscapeDataString(alertId)}/{action}", body is null ? null : JsonContent.Create(body), Ct);

    private static async Task<HttpResponseMessage> OutcomeAsync(HttpClient http, string alertId, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{Uri.EscapeDataString(alertId)}/outcome") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request, Ct);
    }

    private Task<string> AlertIdOfAsync(string customer) => AlertIdOfAsync(Host, customer);

    /// <summary>A new north customer's satisfaction-drop alert, assigned to ann by the north supervisor.</summary>
    private async Task<(string Customer, string AlertId)> AssignedToAnnAsync()
    {
        var customer = await engine.DetractorAsync("north", Guid.NewGuid().ToString("N")[..8]);
        var alert = await AlertIdOfAsync(customer);
        using var lead = Host.Http(CasesEngineFixture.NorthSupervisor);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(lead, alert, "assign", new { agentId = "ann" })).StatusCode);
        return (customer, alert);
    }

    private async Task<int> ContactOutcomesOfAsync(string customer) =>
        (await Host.Services.GetRequiredService<Engagement.Storage.IEventJournal>().ReadAsync(customer, 0, Ct))
        .Count(e => e.EventType == Engagement.Contracts.Customers.EventTypes.ContactOutcome);

    private static async Task<string> AlertIdOfAsync(EngineHost host, string customer)
    {
        var list = await host.Client.Alerts().ListAsync(new ListAlertsRequest { PageSize = 100 }, cancellationToken: Ct);
        return list.Alerts.Single(a => a.CustomerId == customer).AlertId;
    }
}
