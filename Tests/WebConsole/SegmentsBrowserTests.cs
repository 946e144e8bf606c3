using Engagement.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// The segments page in Chromium: an admin counts the customers a rule would match, saves it as a new segment, changes it
/// (the versions name who and when), is told in words why a bad rule is refused, and removes it; a supervisor has no such
/// page. An engine of its own, so its segments and sweeps do not reach the other browser tests.
/// </summary>
public sealed class SegmentsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_admin_counts_saves_changes_and_removes_a_segment_from_the_console()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync();
        var at = DateTimeOffset.UtcNow.AddDays(-3);
        await engine.Client.SubmitAcceptedAsync(
            Events.Purchase("seg-big-1", 900, at), Events.Purchase("seg-big-2", 700, at), Events.Purchase("seg-small-1", 20, at));
        await Customers.SweepFeed.WatchUntilAsync(engine, 0, c => c.CustomerId == "seg-small-1" && c.Kind == "stage.changed");

        await using var admin = new ConsolePage(await browser.NewPageAsync(engine.WebAddress));
        await admin.SignInLiveAsync(TestKeys.Admin);
        var page = admin.Page;
        await page.ClickAsync(".tab[data-view=segments]");
        await Expect(page.Locator("#segment-note")).ToContainTextAsync("No segments yet");

        await page.FillAsync("#segment-name", "big_spenders");
        await page.FillAsync("#segment-rule", "total_spend >= 500");
        await page.FillAsync("#segment-description", "Spent 500 or more");
        await page.ClickAsync("#segment-dry-run");
        await Expect(page.Locator("#segment-count")).ToHaveTextAsync("2 of 3 customers match this rule now.");
        await page.ClickAsync("#segment-save");
        var row = page.Locator("#segment-rows tr[data-name='big_spenders']");
        await Expect(row).ToContainTextAsync("total_spend >= 500");
        await Expect(row).ToContainTextAsync("Engagement:Keys:3 (admin)");
        await Expect(page.Locator("#segment-versions")).ToContainTextAsync("Version 1");

        // A bad rule is refused with the reason, and nothing is saved.
        await page.FillAsync("#segment-rule", "total_spend >= ");
        await page.ClickAsync("#segment-save");
        await Expect(page.Locator("#segment-error")).ToContainTextAsync("rule:");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("1");

        await page.FillAsync("#segment-rule", "total_spend >= 800");
        await page.ClickAsync("#segment-dry-run");
        await Expect(page.Locator("#segment-count")).ToHaveTextAsync("1 of 3 customers match this rule now.");
        await page.ClickAsync("#segment-save");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("2");
        await Expect(page.Locator("#segment-versions li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#segment-versions li").First).ToContainTextAsync("Version 2");

        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await row.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(page.Locator("#segment-note")).ToContainTextAsync("No segments yet");

        await using var supervisor = new ConsolePage(await browser.NewPageAsync(engine.WebAddress));
        await supervisor.SignInLiveAsync(TestKeys.Supervisor);
        await Expect(supervisor.Page.Locator(".tab[data-view=segments]")).ToBeHiddenAsync();
    }
}
