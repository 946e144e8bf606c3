using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engagement.Contracts.Customers;
using Engagement.Contracts.V1;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// The board of cases, the agent's worklist and outcome form, and the console's addresses, in Chromium against the real
/// engine: events through gRPC ingest raise the alerts, assignments and outcomes go through the engine's API and hubs,
/// and what the browser shows is checked against what the engine answers over HTTP.
/// </summary>
public sealed class CaseBoardBrowserTests(ConsoleFixture console) : IClassFixture<ConsoleFixture>
{
    /// <summary>Records, from the first paint on, every set of values the counters show (so a count that climbs is seen).</summary>
    private const string CountsRecorder = """
        window.__counts = [];
        new MutationObserver(() => {
          const counts = [...document.querySelectorAll("#severity-counts .count")]
            .map((c) => `${c.dataset.severity}=${c.querySelector(".count-value").textContent}`).join(" ");
          if (counts && window.__counts.at(-1) !== counts) window.__counts.push(counts);
        }).observe(document, { subtree: true, childList: true, characterData: true });
        """;

    /// <summary>The board's first page, as the engine serves it when the console asks for no size.</summary>
    private const int BoardPage = 50;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_board_opens_with_the_engines_counts_and_first_page_in_its_order_and_pages_and_filters_through_the_engine()
    {
        var run = Run();
        // Three named customers of one rhythm, quiet for a while, who spend more or less; each answers a survey badly.
        var named = new (string Id, string Name, double Spend)[] { ($"{run}-ines", "Ines Duarte", 2_400), ($"{run}-tom", "Tom Reyes", 1_200), ($"{run}-lee", "Lee Park", 600) };
        await console.Engine.Client.SubmitAcceptedAsync([.. named.SelectMany(c => Valued(c.Id, c.Name, c.Spend, console.Now.AddMinutes(-10)))]);
        using var http = console.Engine.Http(TestKeys.Supervisor);
        // A second page: more cases than the board's first page, when the engine does not hold so many yet.
        var held = (await GetAsync(http, "/api/cases")).GetProperty("totalCases").GetInt32();
        if (held <= BoardPage)
        {
            await console.Engine.Client.SubmitAcceptedAsync([.. Enumerable.Range(0, BoardPage + 1 - held).Select(i => Events.Nps($"{run}-bulk-{i:D2}", 3, console.Now.AddMinutes(-30)))]);
        }
        var engine = await GetAsync(http, "/api/cases");
        var first = CasesOf(engine);
        var total = engine.GetProperty("totalCases").GetInt32();
        Assert.Equal(BoardPage, first.Count);
        // The engine's order: money at risk, highest first; the named customers by what they spend, on the first page.
        var losses = first.Select(c => c.GetProperty("expectedLoss").GetDouble()).ToList();
        Assert.Equal(losses.OrderDescending(), losses);
        var positions = named.Select(n => first.FindIndex(c => Id(c) == n.Id)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.True(losses[positions[^1]] > 0, "the named customers have money at risk");

        await using var supervisor = await console.OpenConsoleAsync();
        var page = supervisor.Page;
        await page.AddInitScriptAsync(CountsRecorder);
        await supervisor.SignInLiveAsync(TestKeys.Supervisor);

        // The engine's first page in its order, and its counts from the first value shown on (no counter climbing).
        var rows = page.Locator("#case-rows tr");
        await Expect(rows).ToHaveCountAsync(BoardPage);
        Assert.Equal(first.Select(Id), await CustomerIdsAsync(page));
        await Expect(supervisor.Count("total")).ToHaveTextAsync(Integer(total));
        foreach (var count in engine.GetProperty("countsBySeverity").EnumerateObject())
        {
            await Expect(supervisor.Count(count.Name)).ToHaveTextAsync(Integer(count.Value.GetInt32()));
        }
        var shownCounts = Assert.Single(await page.EvaluateAsync<string[]>("() => window.__counts"));
        Assert.StartsWith($"total={Integer(total)} ", shownCounts);
        await Expect(page.Locator("#alert-note")).ToHaveTextAsync($"Showing {BoardPage} of {Integer(total)} cases.");

        // Money with its currency and separators, as the engine figured it; names; stages in words.
        Assert.Equal(losses.Select(Money), await rows.Locator(".money").AllTextContentsAsync());
        var ines = supervisor.CaseRow(named[0].Id);
        await Expect(ines).ToContainTextAsync("Ines Duarte");
        await Expect(ines.Locator(".money")).ToHaveTextAsync(new Regex(@"^\$\d{1,3}(,\d{3})*\.\d{2}$"));
        await Expect(ines).ToContainTextAsync("Satisfaction drop");
        await Expect(ines).Not.ToContainTextAsync("AtRisk");
        await Expect(ines.Locator(".assignee")).ToHaveTextAsync("unassigned");
        await Expect(ines.Locator(".ageing")).ToHaveTextAsync(new Regex("open|due"));

        // The selected case: its alerts, each reason once, the assign picker of the real agents of its team.
        await ines.ClickAsync();
        var detail = page.Locator("#alert-detail");
        await Expect(detail.Locator("#case-detail-title")).ToHaveTextAsync("Ines Duarte");
        var inesCase = first.Single(c => Id(c) == named[0].Id);
        await Expect(detail.Locator(".case-alert")).ToHaveCountAsync(inesCase.GetProperty("alerts").GetArrayLength());
        foreach (var reasons in await detail.Locator(".case-alert .reasons").AllAsync())
        {
            var listed = await reasons.Locator("li").AllTextContentsAsync();
            Assert.Equal(listed.Distinct().Count(), listed.Count);
        }
        var agents = (await GetAsync(http, "/api/agents")).EnumerateArray()
            .Where(a => a.GetProperty("teams").EnumerateArray().Any(t => t.GetString() is "*" or "north"))
            .Select(a => a.GetProperty("name").GetString()!).ToList();
        Assert.Contains("ada", agents);
        await Expect(detail.Locator(".case-alert .assign-agent").First.Locator("option")).ToHaveTextAsync(["Choose an agent", .. agents]);
        await supervisor.ScreenshotAsync("supervisor-board.png");

        // The keyboard walks the rows.
        var at = positions[0];
        await ines.PressAsync("ArrowDown");
        await Expect(rows.Nth(at + 1)).ToBeFocusedAsync();
        var next = first[at + 1];
        await Expect(detail.Locator("#case-detail-title")).ToHaveTextAsync(NameOrId(next));

        // The next page, asked of the engine with its token, goes under the rows shown.
        var more = await page.RunAndWaitForRequestAsync(() => page.ClickAsync("#cases-more"), IsCases);
        Assert.Equal(engine.GetProperty("nextPageToken").GetString(), Query(more, "pageToken"));
        Assert.Equal("expectedLoss", Query(more, "sort"));
        var second = CasesOf(await GetAsync(http, new Uri(more.Url).PathAndQuery));
        await Expect(rows).ToHaveCountAsync(BoardPage + second.Count);
        Assert.Equal(first.Concat(second).Select(Id), await CustomerIdsAsync(page));

        // Another order and a filter are the engine's work too: asked, and drawn as answered.
        var newest = await page.RunAndWaitForRequestAsync(() => page.SelectOptionAsync("#alert-filters select[name=sort]", "newest"), IsCases);
        Assert.Equal("newest", Query(newest, "sort"));
        await ExpectRowsAsync(page, CasesOf(await GetAsync(http, new Uri(newest.Url).PathAndQuery)));
        var critical = await page.RunAndWaitForRequestAsync(() => page.SelectOptionAsync("#alert-filters select[name=severity]", "Critical"), IsCases);
        Assert.Equal(("Critical", "newest", "unresolved"), (Query(critical, "severity"), Query(critical, "sort"), Query(critical, "state")));
        var criticalCases = CasesOf(await GetAsync(http, new Uri(critical.Url).PathAndQuery));
        await ExpectRowsAsync(page, criticalCases);
        Assert.All(criticalCases, c => Assert.Equal("Critical", c.GetProperty("severity").GetString()));
        await Expect(page.Locator("#alert-note")).ToHaveTextAsync(new Regex(criticalCases.Count == 0 ? "^No open case matches the filters[.]$" : "^Showing "));
    }

    [Fact]
    public async Task New_alerts_are_announced_and_join_on_request_while_the_rows_stay_put_and_the_selection_stays()
    {
        // The fixture's business clock stands still, so every alert is raised at the same time and "newest" falls to the
        // customer id: ids before every other test's keep this test's cases on the first page.
        var run = "a" + Run();
        var (top, known, arriving) = ($"{run}-ana", $"{run}-bo", $"{run}-arriving");
        await console.Engine.Client.SubmitAcceptedAsync(Detractor(top, "Ana Silva", console.Now.AddMinutes(-3)));
        await console.Engine.Client.SubmitAcceptedAsync(Detractor(known, "Bo Chen", console.Now.AddMinutes(-2)));
        using var http = console.Engine.Http(TestKeys.Supervisor);
        var knownAlert = CasesOf(await GetAsync(http, $"/api/cases?customer={known}")).Single().GetProperty("alerts")[0].GetProperty("alertId").GetString()!;

        await using var supervisor = await console.OpenConsoleAsync();
        await using var north = await console.OpenConsoleAsync();
        await using var ada = await console.OpenConsoleAsync();
        await supervisor.SignInLiveAsync(TestKeys.Supervisor);
        // Satisfaction drops, newest first: this test's cases on the first page.
        await supervisor.Page.SelectOptionAsync("#alert-filters select[name=kind]", "SatisfactionDrop");
        var newest = await supervisor.Page.RunAndWaitForRequestAsync(() => supervisor.Page.SelectOptionAsync("#alert-filters select[name=sort]", "newest"), IsCases);
        Assert.Equal(("SatisfactionDrop", "newest"), (Query(newest, "kind"), Query(newest, "sort")));
        await ExpectRowsAsync(supervisor.Page, CasesOf(await GetAsync(http, new Uri(newest.Url).PathAndQuery)));
        await north.SignInLiveAsync(PushKeys.NorthSupervisor);
        await Expect(north.CaseRow(known)).ToBeVisibleAsync();
        await ada.SignInLiveAsync(PushKeys.Ada);
        var order = (await CustomerIdsAsync(supervisor.Page)).ToList();
        var northOrder = await CustomerIdsAsync(north.Page);
        Assert.Contains(known, order);
        Assert.Contains(top, order);

        // The supervisor has a case selected; a new customer's alert arrives: announced, not put under the cursor.
        await supervisor.CaseRow(top).ClickAsync();
        var before = await supervisor.CaseRow(top).BoundingBoxAsync();
        await console.Engine.Client.SubmitAcceptedAsync(Detractor(arriving, "Cy Doe", console.Now.AddMinutes(-1)));
        await Expect(supervisor.Page.Locator("#cases-new")).ToHaveTextAsync("1 new case or change: show");
        await Expect(north.Page.Locator("#cases-new")).ToHaveTextAsync("1 new case or change: show");
        Assert.Equal(order, await CustomerIdsAsync(supervisor.Page));
        await Expect(supervisor.CaseRow(top)).ToHaveClassAsync("selected");
        Assert.Equal(before?.Y, (await supervisor.CaseRow(top).BoundingBoxAsync())?.Y);

        // A change of a case on the board (an assignment through the engine's hub) updates its row where it stands, on every board.
        await supervisor.CaseRow(known).ClickAsync();
        var work = supervisor.Page.Locator($"#alert-detail .case-alert[data-alert-id='{knownAlert}']");
        await work.Locator(".assign-agent").SelectOptionAsync("ada");
        await work.Locator(".act-assign").ClickAsync();
        await Expect(work.Locator(".detail-state")).ToHaveTextAsync("Assigned to ada");
        await Expect(supervisor.CaseRow(known).Locator(".assignee")).ToHaveTextAsync("ada");
        await Expect(north.CaseRow(known).Locator(".assignee")).ToHaveTextAsync("ada");
        await Expect(ada.Page.Locator("#my-alerts")).ToContainTextAsync("Bo Chen");
        Assert.Equal(order, await CustomerIdsAsync(supervisor.Page));
        Assert.Equal(northOrder, await CustomerIdsAsync(north.Page));

        // Joined on request: the engine's page as it stands now; the selected case is still selected.
        var joined = await supervisor.Page.RunAndWaitForRequestAsync(() => supervisor.Page.ClickAsync("#cases-new"), IsCases);
        var engine = await GetAsync(http, new Uri(joined.Url).PathAndQuery);
        await ExpectRowsAsync(supervisor.Page, CasesOf(engine));
        Assert.Equal([top, arriving, known], (await CustomerIdsAsync(supervisor.Page)).Where(c => c.StartsWith(run, StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        await Expect(supervisor.Page.Locator("#cases-new")).ToBeHiddenAsync();
        await Expect(supervisor.CaseRow(known)).ToHaveClassAsync("selected");
        await Expect(work.Locator(".detail-state")).ToHaveTextAsync("Assigned to ada");
        await Expect(supervisor.Count("total")).ToHaveTextAsync(Integer(engine.GetProperty("totalCases").GetInt32()));

        // Resolved through the hub: the row says so where it stands; it leaves at the next refresh.
        await work.Locator(".resolve-note").FillAsync("Called back; voucher sent");
        await work.Locator(".act-resolve").ClickAsync();
        await Expect(supervisor.CaseRow(known)).ToContainTextAsync("Resolved: leaves the board at the next refresh");
        await Expect(north.CaseRow(known)).ToContainTextAsync("Resolved: leaves the board at the next refresh");
        await Expect(north.CaseRow(known).Locator(".ageing")).ToHaveTextAsync("resolved");
        await Expect(work.Locator(".detail-state")).ToHaveTextAsync($"Resolved by {PushKeys.AllTeamsSupervisorName}: Called back; voucher sent");
        await Expect(ada.Page.Locator("#my-alerts")).Not.ToContainTextAsync("Bo Chen");

        // From the board to the customer: the live card, its address, and the alert the board holds beside it.
        await north.CaseRow(known).ClickAsync();
        await north.Page.ClickAsync("#case-open-customer");
        await Expect(north.Card).ToHaveAttributeAsync("data-customer", known);
        await Expect(north.Page).ToHaveURLAsync(new Regex($"#/customer/{known}$"));
        await Expect(north.Page.Locator("#customer-alerts")).ToContainTextAsync("Satisfaction drop");
    }

    [Fact]
    public async Task An_agent_works_an_assigned_case_from_the_worklist_and_records_the_outcome_of_the_call()
    {
        var customer = $"{Run()}-kim";
        await console.Engine.Client.SubmitAcceptedAsync([.. Valued(customer, "Kim Ode", 900, console.Now.AddMinutes(-15))]);
        using var lead = console.Engine.Http(TestKeys.Supervisor);
        var alertId = CasesOf(await GetAsync(lead, $"/api/cases?customer={customer}")).Single().GetProperty("alerts")
            .EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "SatisfactionDrop").GetProperty("alertId").GetString()!;
        using var assigned = await lead.PostAsJsonAsync($"/api/alerts/{Uri.EscapeDataString(alertId)}/assign", new { agentId = "ada" }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, assigned.StatusCode);
        using var adaHttp = console.Engine.Http(PushKeys.Ada);
        var worklist = await GetAsync(adaHttp, "/api/worklist");
        var mineCase = worklist.GetProperty("assigned").EnumerateArray().Single(c => Id(c) == customer);
        var atRisk = worklist.GetProperty("atRisk").EnumerateArray().ToList();

        await using var agent = await console.OpenConsoleAsync();
        await agent.SignInLiveAsync(PushKeys.Ada);

        // The worklist: my case with its money at risk, then my team's customers at risk, as the engine ranks them.
        var mine = agent.Page.Locator($"#my-alerts .alert-item[data-customer-id='{customer}']");
        await Expect(mine).ToContainTextAsync("Kim Ode");
        await Expect(mine).ToContainTextAsync($"Satisfaction drop");
        await Expect(mine).ToContainTextAsync($"{Money(mineCase.GetProperty("expectedLoss").GetDouble())} at risk");
        var atRiskItems = agent.Page.Locator("#at-risk li");
        if (atRisk.Count == 0)
        {
            await Expect(atRiskItems).ToHaveTextAsync(["No customer of your team is at risk."]);
        }
        else
        {
            await Expect(atRiskItems).ToHaveCountAsync(atRisk.Count);
            Assert.Equal(atRisk.Select(Id), await atRiskItems.EvaluateAllAsync<string[]>("items => items.map((i) => i.dataset.customerId)"));
            await Expect(atRiskItems.First).ToContainTextAsync($"{Money(atRisk[0].GetProperty("expectedLoss").GetDouble())} at risk");
        }

        // From the case to the customer: the live card, the address, and the case's alert with its work.
        await mine.Locator("button.alert-open").ClickAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", customer);
        await Expect(agent.Page).ToHaveURLAsync(new Regex($"#/customer/{customer}$"));
        var item = agent.Page.Locator($"#customer-alerts .alert-item[data-alert-id='{alertId}']");
        await Expect(item).ToContainTextAsync("Assigned to ada");

        // Assigned, so past acknowledging: what is left is the call and its outcome.
        await Expect(item.Locator(".act-acknowledge")).ToHaveCountAsync(0);

        // The outcome form: a callback at a time, with a note, recorded by the engine.
        await item.Locator(".outcome-choice").SelectOptionAsync("Callback");
        await item.Locator(".outcome-callback").FillAsync("2026-12-04T10:30");
        await item.Locator(".outcome-note").FillAsync("Asked to be called after lunch");
        await agent.ScreenshotAsync("agent-worklist.png");
        var posted = await agent.Page.RunAndWaitForRequestAsync(() => item.Locator(".act-outcome").ClickAsync(),
            r => r.Url.EndsWith("/outcome", StringComparison.Ordinal));
        Assert.Equal("POST", posted.Method);
        await Expect(item).ToContainTextAsync("last contact: callback");
        await Expect(item.Locator(".outcome-choice")).ToHaveValueAsync("");
        await Expect(item.Locator(".outcome-note")).ToHaveValueAsync("");
        await Expect(item.Locator(".outcome-callback")).ToBeHiddenAsync();

        // The outcome is the engine's: on the alert, in the customer's journal and in the decision log.
        var callbackAt = DateTimeOffset.Parse(await agent.Page.EvaluateAsync<string>("() => new Date('2026-12-04T10:30').toISOString()"), CultureInfo.InvariantCulture);
        var worked = CasesOf(await GetAsync(lead, $"/api/cases?customer={customer}")).Single().GetProperty("alerts")
            .EnumerateArray().Single(a => a.GetProperty("alertId").GetString() == alertId);
        Assert.Equal(("Callback", "Assigned"), (worked.GetProperty("outcome").GetString(), worked.GetProperty("state").GetString()));
        var journal = await console.Engine.Services.GetRequiredService<IEventJournal>().ReadAsync(customer, 0, Ct);
        var recorded = EventCodec.FromEntry(Assert.Single(journal, e => e.EventType == EventTypes.ContactOutcome));
        Assert.Equal(new ContactOutcomePayload(Contracts.Alerts.AlertOutcome.Callback, callbackAt, "Asked to be called after lunch", "ada", alertId), recorded.Payload);
        var card = await console.Engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.Contains(card.DecisionLog, d => d.Kind == "Outcome" && d.Cause.StartsWith("Agent ada recorded: callback", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_open_customer_has_an_address_that_survives_a_reload_and_back_and_forward_walk_through_them()
    {
        var run = Run();
        var (first, second) = ($"{run}-zoe", $"{run}-ugo");
        var (zoe, ugo) = ($"Zoe Park{run}", $"Ugo Neri{run}");
        await console.Engine.Client.SubmitAcceptedAsync(
            Events.Profile(first, console.Now.AddDays(-10), ("name", zoe)),
            Events.Purchase(first, 50, console.Now.AddDays(-5)),
            Events.Profile(second, console.Now.AddDays(-10), ("name", ugo)),
            Events.Purchase(second, 70, console.Now.AddDays(-4)));
        // The search reads the customers' digests, written with the journal's next group commit.
        using var http = console.Engine.Http(PushKeys.Ada);
        var query = $"zoe park{run}";
        JsonElement[] hits = [];
        await Wait.UntilAsync(async () => (hits = [.. (await GetAsync(http, $"/api/customers/search?q={Uri.EscapeDataString(query)}")).EnumerateArray()]).Length > 0,
            TimeSpan.FromSeconds(30), "the customer's digest");

        await using var agent = await console.OpenConsoleAsync();
        await agent.SignInLiveAsync(PushKeys.Ada);

        // Typed in part: the engine's suggestions; one click opens the customer, and the address names it.
        await agent.Page.Locator(".tab[data-view=agent]").ClickAsync();
        var searched = await agent.Page.RunAndWaitForRequestAsync(() => agent.Page.FillAsync("#lookup", query), r => r.Url.Contains("/api/customers/search", StringComparison.Ordinal));
        Assert.Equal(query, Query(searched, "q"));
        var suggestion = agent.Page.Locator("#lookup-suggestions li");
        var hit = Assert.Single(hits);
        await Expect(suggestion).ToHaveTextAsync([$"{zoe}{first} · {StageWords(hit.GetProperty("stage").GetString()!)}" +
            (hit.GetProperty("tier").GetString() is { Length: > 0 } tier ? $" · tier {tier}" : "")]);
        await suggestion.Locator("button").ClickAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", first);
        await Expect(agent.Page).ToHaveURLAsync(new Regex($"#/customer/{first}$"));

        await agent.OpenCustomerAsync(second, second);
        await Expect(agent.Page).ToHaveURLAsync(new Regex($"#/customer/{second}$"));

        // A reload keeps the customer; back and forward walk through the customers opened.
        await agent.Page.ReloadAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", second);
        await Expect(agent.Field("name")).ToHaveTextAsync(ugo);
        await agent.Page.GoBackAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", first);
        await Expect(agent.Field("name")).ToHaveTextAsync(zoe);
        await agent.Page.GoForwardAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", second);

        // An address pasted into a new tab (same session) opens the customer once signed in.
        await agent.Page.GotoAsync($"/#/customer/{first}");
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", first);
    }

    /// <summary>A short id prefix of one test's customers.</summary>
    private static string Run() => $"c{Guid.NewGuid():N}"[..9];

    /// <summary>
    /// A customer of team north with a name who bought three times, 20 days apart, the last 80 days before
    /// <see cref="ConsoleFixture.Now"/> (so a churn risk the fitted model sees), and then answers a survey badly at <paramref name="answeredAt"/>.
    /// </summary>
    private IEnumerable<Event> Valued(string customerId, string name, double spend, DateTimeOffset answeredAt) =>
    [
        Events.Profile(customerId, console.Now.AddDays(-130), ("name", name), ("region", "north")),
        .. new[] { -120, -100, -80 }.Select(days => Events.Purchase(customerId, spend, console.Now.AddDays(days))),
        Events.Nps(customerId, 2, answeredAt),
    ];

    /// <summary>A named customer of team north who answers a survey badly (a satisfaction drop) at <paramref name="at"/>.</summary>
    private static Event[] Detractor(string customerId, string name, DateTimeOffset at) =>
        [Events.Profile(customerId, at.AddSeconds(-1), ("name", name), ("region", "north")), Events.Nps(customerId, 3, at)];

    private static async Task<JsonElement> GetAsync(HttpClient http, string pathAndQuery) =>
        await http.GetFromJsonAsync<JsonElement>(pathAndQuery, Ct);

    private static List<JsonElement> CasesOf(JsonElement page) => [.. page.GetProperty("cases").EnumerateArray()];

    private static string Id(JsonElement item) => item.GetProperty("customerId").GetString()!;

    private static string NameOrId(JsonElement item) => item.GetProperty("name").GetString() is { Length: > 0 } name ? name : Id(item);

    private static bool IsCases(Microsoft.Playwright.IRequest request) => new Uri(request.Url).AbsolutePath == "/api/cases";

    private static string? Query(Microsoft.Playwright.IRequest request, string name) => System.Web.HttpUtility.ParseQueryString(new Uri(request.Url).Query)[name];

    /// <summary>A count as the console writes it in an English browser: with thousands separators.</summary>
    private static string Integer(int value) => value.ToString("#,##0", CultureInfo.InvariantCulture);

    /// <summary>Dollars as the console writes them in an English browser: the symbol, thousands separators, cents.</summary>
    private static string Money(double value) => "$" + value.ToString("#,##0.00", CultureInfo.InvariantCulture);

    /// <summary>The console's words for the engine's stage names.</summary>
    private static string StageWords(string stage) => Regex.Replace(stage, "(?<=[a-z])([A-Z])", m => " " + m.Value.ToLowerInvariant());

    /// <summary>Waits until the board shows these cases (a page drawn anew can have as many rows as the one before), in this order.</summary>
    private static async Task ExpectRowsAsync(IPage page, List<JsonElement> cases)
    {
        var rows = page.Locator("#case-rows tr");
        await Expect(rows).ToHaveCountAsync(cases.Count);
        if (cases.Count > 0)
        {
            await Expect(rows.First).ToHaveAttributeAsync("data-customer-id", Id(cases[0]));
            await Expect(rows.Last).ToHaveAttributeAsync("data-customer-id", Id(cases[^1]));
        }
        Assert.Equal(cases.Select(Id), await CustomerIdsAsync(page));
    }

    private static Task<string[]> CustomerIdsAsync(IPage page) =>
        page.Locator("#case-rows tr").EvaluateAllAsync<string[]>("rows => rows.map((row) => row.dataset.customerId)");
}
