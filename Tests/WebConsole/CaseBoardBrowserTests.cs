using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// The board of cases, the agent's worklist and outcome form, and the console's addresses, in Chromium against the real
/// engine. The endpoints of issue 14 that the engine does not serve yet are answered by <see cref="PlannedApi"/> in the
/// shapes of the plan; the hubs, their commands, the cards and the lookup are the engine's own.
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

    private static readonly AgentJson[] Agents = [new("ada", ["north", "south"]), new("bob", ["*"])];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_board_opens_with_the_engines_counts_and_first_page_in_its_order_and_pages_through_the_engine()
    {
        var now = DateTimeOffset.UtcNow;
        var lapsed = Case("c-1001", "Critical", 12_345.6, now.AddDays(-3), name: "Ines Duarte", stage: "Lapsed", tier: "A", escalated: true,
            alerts: [Alert("a-1", "ChurnWarning", "Critical", now.AddDays(-3), "No purchase for 200 days", escalated: true),
                Alert("a-2", "ComplaintEscalation", "Warning", now.AddDays(-1), "Serious complaint open for 3 days")]);
        var atRisk = Case("c-2002", "Warning", 2_480, now.AddHours(-1), name: "Tom Reyes", stage: "AtRisk", tier: "B", dueBy: now.AddMinutes(10.95),
            alerts: [Alert("a-3", "SatisfactionDrop", "Warning", now.AddHours(-1), "Unhappy survey answer (NPS 2)", dueBy: now.AddMinutes(10.95))]);
        var cancelled = Case("c-3003", "Warning", 310.25, now.AddHours(-2).AddMinutes(-15), name: null, stage: "WonBack", tier: "C", assignedTo: "ada",
            alerts: [Alert("a-4", "Retention", "Warning", now.AddHours(-2).AddMinutes(-15), "Cancelled the subscription", state: "Assigned", assignedTo: "ada")]);
        var fourth = Case("c-4004", "Warning", 95, now.AddMinutes(-30), name: "Lee Park", stage: "AtRisk", tier: "C",
            alerts: [Alert("a-5", "ChurnWarning", "Warning", now.AddMinutes(-30), "Fewer purchases than usual")]);
        var counts = new Dictionary<string, int> { ["Critical"] = 310, ["Warning"] = 924 };
        // As of the engine's last change, so the hub sends the board only what comes after.
        var asOf = (await ListAsync()).Select(a => a.Sequence).DefaultIfEmpty(0).Max();
        var first = new CasePageJson([lapsed, atRisk, cancelled], "page-2", 1_234, counts, asOf);
        var second = new CasePageJson([fourth], null, 1_234, counts, asOf);
        var newest = new CasePageJson([fourth, atRisk], null, 1_234, counts, asOf);

        await using var supervisor = await console.OpenConsoleAsync();
        var page = supervisor.Page;
        await page.AddInitScriptAsync(CountsRecorder);
        var api = PlannedApi.On(page);
        await api.ServeAsync("**/api/cases**", request =>
        {
            var url = new Uri(request.Url);
            return PlannedApi.Query(url, "pageToken") == "page-2" ? second : PlannedApi.Query(url, "sort") == "newest" ? newest : first;
        });
        await api.ServeAsync("**/api/agents", _ => Agents);
        await supervisor.SignInLiveAsync(TestKeys.Supervisor);

        // The engine's order, as it answered; its counts, from the first value shown on.
        var rows = page.Locator("#case-rows tr");
        await Expect(rows).ToHaveCountAsync(3);
        Assert.Equal(["c-1001", "c-2002", "c-3003"], await CustomerIdsAsync(page));
        await Expect(supervisor.Count("total")).ToHaveTextAsync("1,234");
        await Expect(supervisor.Count("Critical")).ToHaveTextAsync("310");
        await Expect(supervisor.Count("Warning")).ToHaveTextAsync("924");
        Assert.Equal(["total=1,234 Critical=310 Warning=924"], await page.EvaluateAsync<string[]>("() => window.__counts"));
        await Expect(page.Locator("#alert-note")).ToHaveTextAsync("Showing 3 of 1,234 cases.");

        // Money with its currency and separators, causes and stages in words, ageing in words.
        await Expect(rows.Nth(0)).ToContainTextAsync("Ines Duarte");
        await Expect(rows.Nth(0).Locator(".money")).ToHaveTextAsync("$12,345.60");
        await Expect(rows.Nth(0)).ToContainTextAsync("Churn warning, Complaint escalation");
        await Expect(rows.Nth(0)).ToContainTextAsync("Lapsed · A");
        await Expect(rows.Nth(0).Locator(".ageing")).ToHaveTextAsync("escalated · open 3 days");
        await Expect(rows.Nth(1).Locator(".ageing")).ToHaveTextAsync("due in 10 min · open 1 h");
        await Expect(rows.Nth(1)).ToContainTextAsync("At risk · B");
        await Expect(rows.Nth(2).Locator(".ageing")).ToHaveTextAsync("open 2 h");
        await Expect(rows.Nth(2)).ToContainTextAsync("Won back · C");
        await Expect(rows.Nth(2).Locator(".assignee")).ToHaveTextAsync("ada");
        await Expect(rows.Nth(1).Locator(".assignee")).ToHaveTextAsync("unassigned");

        // The selected case: its alerts, each reason once, the assign picker of the real agents.
        await rows.Nth(0).ClickAsync();
        var detail = page.Locator("#alert-detail");
        await Expect(detail.Locator("#case-detail-title")).ToHaveTextAsync("Ines Duarte");
        await Expect(detail.Locator(".case-alert")).ToHaveCountAsync(2);
        await Expect(detail.Locator(".case-alert[data-alert-id='a-1'] .reasons li")).ToHaveTextAsync(["Silence for 200 days", "About 1 in 5 chance still active"]);
        await Expect(detail.Locator(".case-alert[data-alert-id='a-1'] .assign-agent option")).ToHaveTextAsync(["Choose an agent", "ada", "bob"]);
        await supervisor.ScreenshotAsync("supervisor-board.png");

        // The keyboard walks the rows.
        await rows.Nth(0).PressAsync("ArrowDown");
        await Expect(detail.Locator("#case-detail-title")).ToHaveTextAsync("Tom Reyes");
        await Expect(rows.Nth(1)).ToBeFocusedAsync();

        // The next page, asked of the engine with its token, goes under the rows shown.
        await page.ClickAsync("#cases-more");
        await Expect(rows).ToHaveCountAsync(4);
        Assert.Equal(["c-1001", "c-2002", "c-3003", "c-4004"], await CustomerIdsAsync(page));
        await Expect(page.Locator("#cases-more")).ToBeHiddenAsync();
        var more = api.To("/api/cases").Last();
        Assert.Equal("page-2", PlannedApi.Query(more.Url, "pageToken"));
        Assert.Equal("expectedLoss", PlannedApi.Query(more.Url, "sort"));

        // Another order and a filter are the engine's work too: asked, and drawn as answered.
        await page.SelectOptionAsync("#alert-filters select[name=sort]", "newest");
        await Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["c-4004", "c-2002"], await CustomerIdsAsync(page));
        var request = await page.RunAndWaitForRequestAsync(() => page.SelectOptionAsync("#alert-filters select[name=severity]", "Critical"),
            r => r.Url.Contains("/api/cases", StringComparison.Ordinal));
        var filtered = new Uri(request.Url);
        Assert.Equal("Critical", PlannedApi.Query(filtered, "severity"));
        Assert.Equal("newest", PlannedApi.Query(filtered, "sort"));
        Assert.Equal("unresolved", PlannedApi.Query(filtered, "state"));
    }

    [Fact]
    public async Task New_alerts_are_announced_and_join_on_request_while_the_rows_stay_put_and_the_selection_stays()
    {
        var known = $"known-{Guid.NewGuid():N}";
        await AlertEvents.RaiseAsync(console.Engine.Client, known, "north");
        var listed = await ListAsync();
        var knownAlert = listed.Single(a => a.CustomerId == known);
        var now = DateTimeOffset.UtcNow;
        var top = Case($"top-{Guid.NewGuid():N}", "Critical", 9_000, now.AddHours(-5), name: "Ana Silva", stage: "Lapsed", tier: "A",
            alerts: [Alert($"fake-top-{Guid.NewGuid():N}", "ChurnWarning", "Critical", now.AddHours(-5), "No purchase for 300 days")]);
        var low = Case($"low-{Guid.NewGuid():N}", "Warning", 40, now.AddHours(-1), name: "Bo Chen", stage: "AtRisk", tier: "C",
            alerts: [Alert($"fake-low-{Guid.NewGuid():N}", "ChurnWarning", "Warning", now.AddHours(-1), "Fewer purchases than usual")]);
        var first = new CasePageJson([top, FromEngine(knownAlert, 500), low], null, 3, new Dictionary<string, int> { ["Critical"] = 1, ["Warning"] = 2 },
            listed.Max(a => a.Sequence));
        // What the engine answers once the supervisor joins what is new (set below, when it is known).
        CasePageJson? joined = null;

        await using var supervisor = await console.OpenConsoleAsync();
        await using var north = await console.OpenConsoleAsync();
        await using var ada = await console.OpenConsoleAsync();
        foreach (var board in new[] { supervisor, north })
        {
            var api = PlannedApi.On(board.Page);
            await api.ServeAsync("**/api/cases**", _ => joined ?? first);
            await api.ServeAsync("**/api/agents", _ => Agents);
        }
        await supervisor.SignInLiveAsync(TestKeys.Supervisor);
        await north.SignInLiveAsync(PushKeys.NorthSupervisor);
        await ada.SignInLiveAsync(PushKeys.Ada);
        var order = new[] { top.CustomerId, known, low.CustomerId };
        await Expect(supervisor.Page.Locator("#case-rows tr")).ToHaveCountAsync(3);
        Assert.Equal(order, await CustomerIdsAsync(supervisor.Page));

        // The supervisor has a case selected; a new customer's alert arrives: announced, not put under the cursor.
        await supervisor.CaseRow(top.CustomerId).ClickAsync();
        var before = await supervisor.CaseRow(top.CustomerId).BoundingBoxAsync();
        var arriving = $"arriving-{Guid.NewGuid():N}";
        await AlertEvents.RaiseAsync(console.Engine.Client, arriving, "north");
        await Expect(supervisor.Page.Locator("#cases-new")).ToHaveTextAsync("1 new case or change: show");
        await Expect(north.Page.Locator("#cases-new")).ToHaveTextAsync("1 new case or change: show");
        Assert.Equal(order, await CustomerIdsAsync(supervisor.Page));
        await Expect(supervisor.CaseRow(top.CustomerId)).ToHaveClassAsync("selected");
        Assert.Equal(before?.Y, (await supervisor.CaseRow(top.CustomerId).BoundingBoxAsync())?.Y);

        // A change of a case on the board (an assignment through the engine's hub) updates its row where it stands, on every board.
        await supervisor.CaseRow(known).ClickAsync();
        var work = supervisor.Page.Locator($"#alert-detail .case-alert[data-alert-id='{knownAlert.AlertId}']");
        await work.Locator(".assign-agent").SelectOptionAsync("ada");
        await work.Locator(".act-assign").ClickAsync();
        await Expect(work.Locator(".detail-state")).ToHaveTextAsync("Assigned to ada");
        await Expect(supervisor.CaseRow(known).Locator(".assignee")).ToHaveTextAsync("ada");
        await Expect(north.CaseRow(known).Locator(".assignee")).ToHaveTextAsync("ada");
        await Expect(ada.Page.Locator("#my-alerts")).ToContainTextAsync(known);
        Assert.Equal(order, await CustomerIdsAsync(supervisor.Page));
        Assert.Equal(order, await CustomerIdsAsync(north.Page));

        // Joined on request: the engine's page as it stands now; the selected case is still selected.
        var now2 = await ListAsync();
        var arrived = now2.Single(a => a.CustomerId == arriving);
        var assigned = now2.Single(a => a.AlertId == knownAlert.AlertId);
        joined = first with { Cases = [FromEngine(arrived, 20_000), top, FromEngine(assigned, 500), low], TotalCases = 4, AsOfSequence = now2.Max(a => a.Sequence) };
        await supervisor.Page.ClickAsync("#cases-new");
        await Expect(supervisor.Page.Locator("#case-rows tr")).ToHaveCountAsync(4);
        Assert.Equal([arriving, top.CustomerId, known, low.CustomerId], await CustomerIdsAsync(supervisor.Page));
        await Expect(supervisor.Page.Locator("#cases-new")).ToBeHiddenAsync();
        await Expect(supervisor.CaseRow(known)).ToHaveClassAsync("selected");
        await Expect(supervisor.Page.Locator("#alert-detail .case-alert .detail-state")).ToHaveTextAsync("Assigned to ada");
        await Expect(supervisor.Count("total")).ToHaveTextAsync("4");

        // Resolved through the hub: the row says so where it stands; it leaves at the next refresh.
        await work.Locator(".resolve-note").FillAsync("Called back; voucher sent");
        await work.Locator(".act-resolve").ClickAsync();
        await Expect(supervisor.CaseRow(known)).ToContainTextAsync("Resolved: leaves the board at the next refresh");
        await Expect(north.CaseRow(known)).ToContainTextAsync("Resolved: leaves the board at the next refresh");
        await Expect(north.CaseRow(known).Locator(".ageing")).ToHaveTextAsync("resolved");
        await Expect(work.Locator(".detail-state")).ToHaveTextAsync($"Resolved by {PushKeys.AllTeamsSupervisorName}: Called back; voucher sent");
        await Expect(ada.Page.Locator("#my-alerts")).Not.ToContainTextAsync(known);

        // From the board to the customer: the live card, its address, and the alert the board holds beside it.
        await north.CaseRow(known).ClickAsync();
        await north.Page.ClickAsync("#case-open-customer");
        await Expect(north.Card).ToHaveAttributeAsync("data-customer", known);
        await Expect(north.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/customer/{known}$"));
        await Expect(north.Page.Locator("#customer-alerts")).ToContainTextAsync("Satisfaction drop");
    }

    [Fact]
    public async Task An_agent_works_an_assigned_case_from_the_worklist_and_records_the_outcome_of_the_call()
    {
        var customer = $"kim-{Guid.NewGuid():N}";
        await console.Engine.Client.SubmitAcceptedAsync([
            Events.Profile(customer, console.Now.AddDays(-90), ("name", "Kim Ode"), ("region", "north")),
            Events.Purchase(customer, 220, console.Now.AddDays(-80)),
            Events.Purchase(customer, 180, console.Now.AddDays(-40)),
        ]);
        var now = DateTimeOffset.UtcNow;
        const string alertId = "kim-churn-1";
        var assigned = Case(customer, "Critical", 1_840.5, now.AddHours(-3), name: "Kim Ode", stage: "AtRisk", tier: "A", assignedTo: "ada",
            alerts: [Alert(alertId, "ChurnWarning", "Critical", now.AddHours(-3), "Quieter than usual for a tier A customer", state: "Assigned", assignedTo: "ada")]);
        var worklist = new WorklistJson([assigned],
        [
            new("c-77", "Rui Costa", "Lapsed", "B", 900, 0.8, 720, "USD", now.AddDays(-200)),
            new("c-78", null, "AtRisk", "C", 300, 0.4, 120, "USD", null),
        ]);
        object Changed(string outcome) => new
        {
            alertId, sequence = 1_000_000, kind = "ChurnWarning", severity = "Critical", state = "Assigned", customerId = customer, team = "north",
            title = "Quieter than usual for a tier A customer", reasons = Array.Empty<string>(), assignedTo = "ada",
            raisedAt = now.AddHours(-3), updatedAt = now, expectedLoss = 1_840.5, currency = "USD", escalated = false, outcome,
            context = new { stage = "AtRisk", tier = "A" },
        };

        await using var agent = await console.OpenConsoleAsync();
        var api = PlannedApi.On(agent.Page);
        await api.ServeAsync("**/api/worklist", _ => worklist);
        await api.ServeAsync("**/api/alerts/*/outcome", _ => Changed("Callback"));
        await agent.SignInLiveAsync(PushKeys.Ada);

        // The worklist: my case first, then my team's customers at risk by money at risk.
        var mine = agent.Page.Locator("#my-alerts");
        await Expect(mine).ToContainTextAsync("Kim Ode");
        await Expect(mine).ToContainTextAsync("Churn warning · $1,840.50 at risk");
        await Expect(agent.Page.Locator("#at-risk li")).ToHaveCountAsync(2);
        await Expect(agent.Page.Locator("#at-risk li").Nth(0)).ToContainTextAsync("Rui Costa");
        await Expect(agent.Page.Locator("#at-risk li").Nth(0)).ToContainTextAsync("$720.00 at risk · Lapsed · tier B");
        await Expect(agent.Page.Locator("#at-risk li").Nth(1)).ToContainTextAsync("c-78");

        // From the case to the customer: the live card, the address, and the case's alert with its work.
        await mine.Locator("button.alert-open").First.ClickAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", customer);
        await Expect(agent.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/customer/{customer}$"));
        var item = agent.Page.Locator($"#customer-alerts .alert-item[data-alert-id='{alertId}']");
        await Expect(item).ToContainTextAsync("Assigned to ada");

        // Assigned, so past acknowledging: what is left is the call and its outcome.
        await Expect(item.Locator(".act-acknowledge")).ToHaveCountAsync(0);

        // The outcome form: a callback at a time, with a note; the POST carries them as the plan says.
        await item.Locator(".outcome-choice").SelectOptionAsync("Callback");
        await item.Locator(".outcome-callback").FillAsync("2026-12-04T10:30");
        await item.Locator(".outcome-note").FillAsync("Asked to be called after lunch");
        await agent.ScreenshotAsync("agent-worklist.png");
        await item.Locator(".act-outcome").ClickAsync();
        await Expect(item).ToContainTextAsync("last contact: callback");
        await Expect(item.Locator(".outcome-choice")).ToHaveValueAsync("");
        await Expect(item.Locator(".outcome-note")).ToHaveValueAsync("");
        await Expect(item.Locator(".outcome-callback")).ToBeHiddenAsync();
        var posted = Assert.Single(api.To($"/api/alerts/{alertId}/outcome"));
        Assert.Equal("POST", posted.Method);
        using var body = JsonDocument.Parse(posted.Body ?? "");
        Assert.Equal("Callback", body.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("Asked to be called after lunch", body.RootElement.GetProperty("note").GetString());
        var expected = await agent.Page.EvaluateAsync<string>("() => new Date('2026-12-04T10:30').toISOString()");
        Assert.Equal(expected, body.RootElement.GetProperty("callbackAt").GetString());
    }

    [Fact]
    public async Task Each_open_customer_has_an_address_that_survives_a_reload_and_back_and_forward_walk_through_them()
    {
        var first = $"deep-{Guid.NewGuid():N}";
        var second = $"deep-{Guid.NewGuid():N}";
        await console.Engine.Client.SubmitAcceptedAsync([
            Events.Profile(first, console.Now.AddDays(-10), ("name", "Zoe Park")),
            Events.Purchase(first, 50, console.Now.AddDays(-5)),
            Events.Profile(second, console.Now.AddDays(-10), ("name", "Ugo Neri")),
            Events.Purchase(second, 70, console.Now.AddDays(-4)),
        ]);

        await using var agent = await console.OpenConsoleAsync();
        var api = PlannedApi.On(agent.Page);
        await api.ServeAsync("**/api/customers/search**", _ => new[] { new CustomerSearchJson(first, "Zoe Park", "New", "B") });
        await agent.SignInLiveAsync(PushKeys.Ada);

        // Typed in part: the engine's suggestions; one click opens the customer, and the address names it.
        await agent.Page.Locator(".tab[data-view=agent]").ClickAsync();
        await agent.Page.FillAsync("#lookup", "zoe");
        var suggestion = agent.Page.Locator("#lookup-suggestions li");
        await Expect(suggestion).ToHaveTextAsync(["Zoe Park" + first + " · New · tier B"]);
        await suggestion.Locator("button").ClickAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", first);
        Assert.Equal("zoe", PlannedApi.Query(api.To("/api/customers/search").Last().Url, "q"));
        await Expect(agent.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/customer/{first}$"));

        await agent.OpenCustomerAsync(second, second);
        await Expect(agent.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/customer/{second}$"));

        // A reload keeps the customer; back and forward walk through the customers opened.
        await agent.Page.ReloadAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", second);
        await Expect(agent.Field("name")).ToHaveTextAsync("Ugo Neri");
        await agent.Page.GoBackAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", first);
        await Expect(agent.Field("name")).ToHaveTextAsync("Zoe Park");
        await agent.Page.GoForwardAsync();
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", second);

        // An address pasted into a new tab (same session) opens the customer once signed in.
        await agent.Page.GotoAsync($"/#/customer/{first}");
        await Expect(agent.Card).ToHaveAttributeAsync("data-customer", first);
    }

    private async Task<IReadOnlyList<Contracts.V1.Alert>> ListAsync() =>
        (await console.Engine.Client.Alerts().ListAsync(new ListAlertsRequest(), cancellationToken: Ct)).Alerts;

    private static Task<string[]> CustomerIdsAsync(IPage page) =>
        page.Locator("#case-rows tr").EvaluateAllAsync<string[]>("rows => rows.map((row) => row.dataset.customerId)");

    private static CaseJson Case(string customerId, string severity, double expectedLoss, DateTimeOffset openedAt, string? name, string stage, string tier,
        IReadOnlyList<CaseAlertJson> alerts, bool escalated = false, DateTimeOffset? dueBy = null, string? assignedTo = null) =>
        new(customerId, "north", name, severity, expectedLoss, "USD", expectedLoss * 4, 0.25, stage, tier, openedAt, dueBy, escalated, assignedTo, 0, alerts);

    private static CaseAlertJson Alert(string alertId, string kind, string severity, DateTimeOffset raisedAt, string title, bool escalated = false,
        DateTimeOffset? dueBy = null, string state = "Open", string? assignedTo = null) =>
        new(alertId, kind, severity, state, title, kind == "ChurnWarning" ? [title, "Silence for 200 days", "About 1 in 5 chance still active", "Silence for 200 days"] : [],
            assignedTo, raisedAt, dueBy, escalated, null);

    /// <summary>The case of a real alert of the engine, as <c>/api/cases</c> will answer it.</summary>
    private static CaseJson FromEngine(Contracts.V1.Alert alert, double expectedLoss) =>
        new(alert.CustomerId, alert.Team, null, alert.Severity, expectedLoss, "USD", expectedLoss * 4, 0.25, "Repeat", "B", alert.RaisedAt.ToDateTimeOffset(),
            null, false, string.IsNullOrEmpty(alert.AssignedTo) ? null : alert.AssignedTo, alert.Sequence,
            [new(alert.AlertId, alert.Kind, alert.Severity, alert.State, alert.Title, [.. alert.Reasons],
                string.IsNullOrEmpty(alert.AssignedTo) ? null : alert.AssignedTo, alert.RaisedAt.ToDateTimeOffset(), null, false, null)]);
}
