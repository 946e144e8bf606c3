using System.Globalization;
using Engagement.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// The demo panel in Chromium: an admin replays a small purchase history (CDNOW format) from the console, sees it
/// run to the end, and the board's population fills in. An engine of its own, so the replay's customers and
/// refits do not reach the other browser tests.
/// </summary>
public sealed class DemoFeedBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const int Customers = 40;

    [Fact]
    public async Task An_admin_replays_a_purchase_history_from_the_console()
    {
        var folder = Directory.CreateTempSubdirectory("engagement-demo-").FullName;
        try
        {
            var purchases = await WriteHistoryAsync(Path.Combine(folder, "tiny.txt"));
            // The grid is counted again at every board poll, so the test waits for the count, not for its refresh.
            await using var engine = await EngineHost.StartEmbeddedAsync(settings:
                [new("Engagement:Demo:DataFolder", folder), new("Engagement:Population:CellsRefresh", "00:00:01")]);
            await using var admin = new ConsolePage(await browser.NewPageAsync(engine.WebAddress));
            await admin.SignInLiveAsync(TestKeys.Admin);

            await admin.Page.ClickAsync(".tab[data-view=demo]");
            await Expect(admin.Page.Locator("#replay-file option[value='tiny.txt']")).ToHaveCountAsync(1);
            await admin.Page.FillAsync("#replay-speed", "400");
            await admin.Page.ClickAsync("#replay-form button[type=submit]");

            var facts = admin.Page.Locator("#demo-facts");
            await Expect(facts).ToContainTextAsync("Completed", new() { Timeout = 60_000 });
            await Expect(facts).ToContainTextAsync($"{purchases} of {purchases}");
            await Expect(admin.Page.Locator("#demo-stop")).ToBeDisabledAsync();

            // The board's population follows the replay: its customers by stage and tier are counted.
            await admin.Page.ClickAsync(".tab[data-view=supervisor]");
            await Expect(admin.Page.Locator("#chart-cells-note")).ToContainTextAsync($"{Customers} customers", new() { Timeout = 60_000 });
        }
        finally
        {
            EngineHost.TryDelete(folder);
        }
    }

    /// <summary>Customers 1..40, each with three purchases in 1997, in the CDNOW layout (id, id, yyyyMMdd, quantity, amount).</summary>
    private static async Task<int> WriteHistoryAsync(string path)
    {
        var lines = new List<string>();
        for (var customer = 1; customer <= Customers; customer++)
        {
            for (var purchase = 0; purchase < 3; purchase++)
            {
                var day = new DateOnly(1997, 1, 1).AddDays(customer + purchase * 60);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $" {customer:00000} {customer:0000} {day:yyyyMMdd}  1   {10 + customer + purchase:0.00}"));
            }
        }
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);
        return lines.Count;
    }
}
