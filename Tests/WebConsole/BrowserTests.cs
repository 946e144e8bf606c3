using Engagement.Contracts.V1;
using Engagement.Tests.Alerts;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// The browser console in a real Chromium against the real engine: events go in over gRPC from the test, and the
/// test looks only at what a person sees on the page (no reloads, no sleeps: Playwright waits for the page).
/// </summary>
public sealed class BrowserTests(ConsoleFixture console) : IClassFixture<ConsoleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DateTimeOffset Now => console.Now;

    [Fact]
    public async Task An_agent_sees_the_card_change_while_it_is_open()
    {
        var customer = $"maria-{Guid.NewGuid():N}";
        await SubmitAsync(
            Events.Profile(customer, Now.AddDays(-120), ("name", "Maria Lopez"), ("email", "maria.lopez@example.com"),
                ("phone", "+33 4 72 00 00 00"), ("city", "Lyon"), ("region", "north"), ("ageBand", "35-44")),
            Events.Purchase(customer, 120, Now.AddDays(-110)),
            Events.Purchase(customer, 85, Now.AddDays(-70)),
            Events.Purchase(customer, 140, Now.AddDays(-30)),
            Events.Visit(customer, Now.AddDays(-3)));

        await using var agent = await console.OpenConsoleAsync();
        await agent.SignInLiveAsync(PushKeys.Ada);
        await agent.OpenCustomerAsync(customer, customer);
        await Expect(agent.Field("name")).ToHaveTextAsync("Maria Lopez");
        await Expect(agent.Field("purchaseCount")).ToHaveTextAsync("3");
        await Expect(agent.Field("profile.city")).ToHaveTextAsync("Lyon");
        // A mark in this document: a reload would lose it.
        await agent.Page.EvaluateAsync("() => { window.__sameDocument = true; }");

        // A purchase today, then a detractor answer and a high-severity complaint, over gRPC.
        var purchase = Events.Purchase(customer, 260, Now.AddHours(-2));
        await SubmitAsync(purchase, Events.Nps(customer, 2, Now.AddHours(-1)), Events.Complaint(customer, ComplaintSeverity.High, Now.AddMinutes(-30)));

        await Expect(agent.Field("purchaseCount")).ToHaveTextAsync("4");
        await Expect(agent.Field("nps")).ToContainTextAsync("Detractor");
        await Expect(agent.Page.Locator("#complaints")).ToBeVisibleAsync();
        // What changed with the last card is marked, the new event leads the timeline, and this is the same page.
        await Expect(agent.CardStatus).ToContainTextAsync("changed:");
        await Expect(agent.Page.Locator($"#timeline li[data-event-id='{purchase.EventId}']")).ToBeVisibleAsync();
        Assert.True(await agent.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");

        // The satisfaction drop about this customer reaches the agent who has the card open.
        await Expect(agent.Page.Locator("#customer-alerts .alert-item")).Not.ToHaveCountAsync(0);
        await Expect(agent.Page.Locator("#customer-alerts")).ToContainTextAsync("Satisfaction drop");

        await agent.ScreenshotAsync("agent-card.png");
    }

    [Fact]
    public async Task An_agent_finds_a_customer_by_the_phone_number_of_its_profile()
    {
        var customer = $"caller-{Guid.NewGuid():N}";
        var phone = $"+1 555 {Random.Shared.Next(1_000_000, 9_999_999)}";
        await SubmitAsync(
            Events.Profile(customer, Now.AddDays(-2), ("name", "Ann Lee"), ("phone", phone)),
            Events.Purchase(customer, 40, Now.AddHours(-3)));

        await using var agent = await console.OpenConsoleAsync();
        await agent.SignInLiveAsync(PushKeys.Ada);
        // Among the recently active customers, and found by the caller's number as the phone system gives it.
        await Expect(agent.Page.Locator("#recent")).ToContainTextAsync(customer);
        await agent.OpenCustomerAsync(phone.Replace(" ", "", StringComparison.Ordinal), customer);
        await Expect(agent.Field("name")).ToHaveTextAsync("Ann Lee");

        await agent.Page.FillAsync("#lookup", "+1 555 0000000 999");
        await agent.Page.ClickAsync("#lookup-form button[type=submit]");
        await Expect(agent.Page.Locator("#lookup-error")).ToContainTextAsync("No customer has");
    }

    [Fact]
    public async Task The_board_charts_the_population_its_moves_and_the_event_rate()
    {
        await using var supervisor = await console.OpenConsoleAsync();
        await supervisor.SignInLiveAsync(TestKeys.Supervisor);
        var customer = $"busy-{Guid.NewGuid():N}";
        await SubmitAsync(Events.Purchase(customer, 30, Now.AddHours(-1)), Events.Visit(customer, Now.AddMinutes(-10)));

        await Expect(supervisor.Page.Locator("#chart-cells-note")).ToContainTextAsync(" customers as of ");
        await Expect(supervisor.Page.Locator("#chart-moves-note")).ToContainTextAsync("moves since");
        await Expect(supervisor.Page.Locator("#chart-activity-note")).ToContainTextAsync("events/s now");
        foreach (var chart in new[] { "chart-cells", "chart-moves", "chart-activity" })
        {
            Assert.True(await supervisor.Page.EvaluateAsync<int>($"() => Chart.getChart('{chart}').data.datasets.length") > 0, $"{chart} has no data");
        }
        // Every stage and every move named on its axis: none skipped for lack of room.
        foreach (var (chart, axis) in new[] { ("chart-cells", "x"), ("chart-moves", "y") })
        {
            Assert.True(await supervisor.Page.EvaluateAsync<bool>(
                $"() => {{ const chart = Chart.getChart('{chart}'); return chart.scales.{axis}.ticks.length === chart.data.labels.length; }}"),
                $"{chart} leaves labels out");
        }
    }

    [Fact]
    public async Task Event_content_is_shown_as_text_and_runs_nothing()
    {
        const string script = "<script>window.__xss=1</script>";
        const string image = "<img src=x onerror=\"window.__xss=1\">";
        var customer = $"xss-{Guid.NewGuid():N}";
        await SubmitAsync(
            Events.Profile(customer, Now.AddDays(-1), ("name", image), ("note", script)),
            Events.Purchase(customer, 10, Now.AddHours(-5)));

        await using var agent = await console.OpenConsoleAsync();
        var dialogs = 0;
        agent.Page.Dialog += (_, dialog) =>
        {
            Interlocked.Increment(ref dialogs);
            _ = dialog.DismissAsync();
        };
        await agent.SignInLiveAsync(PushKeys.Ada);
        await agent.OpenCustomerAsync(customer, customer);

        await Expect(agent.Field("name")).ToHaveTextAsync(image);
        await Expect(agent.Field("profile.note")).ToHaveTextAsync(script);
        await Expect(agent.Field("profile.name")).ToHaveTextAsync(image);
        await Expect(agent.Card.Locator("img, script")).ToHaveCountAsync(0);
        Assert.True(await agent.Page.EvaluateAsync<bool>("() => window.__xss === undefined"), "markup from an event ran");
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Each_role_sees_its_views_and_a_channel_key_is_refused()
    {
        await using var page = await console.OpenConsoleAsync();
        var response = await page.Page.GotoAsync("/");
        Assert.NotNull(response);
        Assert.Contains("script-src 'self'", (await response.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);

        await page.SignInAsync(TestKeys.Channel);
        await Expect(page.SignInError).ToContainTextAsync("channel key");
        await page.SignInAsync("not-a-key-of-this-engine-0000");
        await Expect(page.SignInError).ToContainTextAsync("not known");
        Assert.Null(await StoredKeyAsync(page));

        await page.SignInLiveAsync(PushKeys.Ada);
        await Expect(page.Page.Locator(".tab[data-view=agent]")).ToBeVisibleAsync();
        await Expect(page.Page.Locator(".tab[data-view=supervisor]")).ToBeHiddenAsync();
        await Expect(page.Page.Locator(".tab[data-view=demo]")).ToBeHiddenAsync();
        await Expect(page.Page.Locator("#view-supervisor")).ToBeHiddenAsync();
        Assert.Equal(PushKeys.Ada, await StoredKeyAsync(page));

        // A reload keeps the session (the key is in this tab's session storage); signing out ends it.
        await page.Page.ReloadAsync();
        await Expect(page.Page.Locator("#view-agent")).ToBeVisibleAsync();
        await page.Page.ClickAsync("#sign-out");
        await Expect(page.Page.Locator("#sign-in")).ToBeVisibleAsync();
        Assert.Null(await StoredKeyAsync(page));

        await page.SignInLiveAsync(TestKeys.Supervisor);
        await Expect(page.Page.Locator("#view-supervisor")).ToBeVisibleAsync();
        await Expect(page.Page.Locator(".tab[data-view=agent]")).ToBeVisibleAsync();
    }

    private static Task<string?> StoredKeyAsync(ConsolePage page) =>
        page.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('engagement.key')");

    private Task SubmitAsync(params Event[] events) => console.Engine.Client.SubmitAcceptedAsync(events);
}
