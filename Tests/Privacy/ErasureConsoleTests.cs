using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.WebConsole;
using Grpc.Core;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Engagement.Tests.Privacy;

/// <summary>
/// An admin erases a customer from the console (issue 17), in Chromium against a real engine: the erase control is an
/// admin's only; it asks for the customer id typed again before it acts; cancel erases nothing; confirmed, the customer is
/// gone from the page and from the engine.
/// </summary>
public sealed class ErasureConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private EngineHost _engine = null!;

    public async ValueTask InitializeAsync() => _engine = await EngineHost.StartEmbeddedAsync(settings: TestLimits.Configuration());

    public async ValueTask DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task An_admin_erases_the_open_customer_after_confirming_its_id_and_an_agent_cannot()
    {
        var id = $"console-erase-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        await _engine.Client.SubmitAcceptedAsync(
            Events.Profile(id, now.AddDays(-30), ("name", "Eva Erase"), ("email", $"{id}@example.org")),
            Events.Purchase(id, 75, now.AddDays(-20)));

        // An agent opens the customer and has no erase control.
        await using (var agent = new ConsolePage(await browser.NewPageAsync(_engine.WebAddress)))
        {
            await agent.SignInLiveAsync(TestKeys.Agent);
            await agent.OpenCustomerAsync(id, id);
            await Expect(agent.Field("name")).ToHaveTextAsync("Eva Erase");
            await Expect(agent.Page.Locator("#privacy-panel")).ToBeHiddenAsync();
            await Expect(agent.Page.Locator("#erase-start")).ToHaveCountAsync(0);
        }

        await using var admin = new ConsolePage(await browser.NewPageAsync(_engine.WebAddress));
        await admin.SignInLiveAsync(TestKeys.Admin);
        await admin.OpenCustomerAsync(id, id);
        await Expect(admin.Field("name")).ToHaveTextAsync("Eva Erase");

        // Asked for, then cancelled: nothing happens.
        await admin.Page.ClickAsync("#erase-start");
        await Expect(admin.Page.Locator("#erase-form")).ToContainTextAsync(id);
        await Expect(admin.Page.Locator("#erase-confirm")).ToBeDisabledAsync();
        await admin.Page.FillAsync("#erase-confirm-id", id[..^1]);
        await Expect(admin.Page.Locator("#erase-confirm")).ToBeDisabledAsync();
        await admin.Page.ClickAsync("#erase-cancel");
        await Expect(admin.Page.Locator("#erase-form")).ToHaveCountAsync(0);
        Assert.Equal(id, (await _engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = id }, cancellationToken: Ct)).CustomerId);

        // Confirmed with the id typed again: erased, and the customer leaves the page.
        await admin.Page.ClickAsync("#erase-start");
        await admin.Page.FillAsync("#erase-confirm-id", id);
        await Expect(admin.Page.Locator("#erase-confirm")).ToBeEnabledAsync();
        await admin.Page.ClickAsync("#erase-confirm");
        await Expect(admin.Page.Locator("#erasure-result")).ToContainTextAsync($"Erased {id}");
        await Expect(admin.Card).ToHaveCountAsync(0);
        var erasureId = await admin.Page.Locator("#erasure-result").GetAttributeAsync("data-erasure-id");
        Assert.StartsWith("erasure-", erasureId, StringComparison.Ordinal);

        var gone = await Assert.ThrowsAsync<RpcException>(async () =>
            await _engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = id }, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        // Looked up again, by its email: nobody.
        await admin.Page.FillAsync("#lookup", $"{id}@example.org");
        await admin.Page.ClickAsync("#lookup-form button[type=submit]");
        await Expect(admin.Page.Locator("#lookup-error")).ToContainTextAsync("No customer has");
        await admin.ScreenshotAsync("admin-erased.png");
    }
}
