using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Engagement.Tests.WebConsole;
using static Microsoft.Playwright.Assertions;

namespace Engagement.Tests.Identity;

/// <summary>
/// The open customer's identifiers in a real Chromium, and an admin merging another customer into it from the console;
/// an agent sees the identifiers but no merge.
/// </summary>
public sealed class IdentityBrowserTests(ConsoleFixture console) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task An_admin_sees_the_identifiers_and_merges_another_customer_into_the_open_one()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (buyer, visitor) = ($"buyer-{run}", $"visitor-{run}");
        var now = console.Now;
        await console.Engine.Client.SubmitAcceptedAsync(
            Events.Profile(buyer, now.AddDays(-30), ("name", "Grace Hopper"), ("email", $"grace.{run}@example.com"), ("region", "north")),
            Events.Purchase(buyer, 90, now.AddDays(-20)),
            Events.Profile(visitor, now.AddDays(-40), ("web_id", $"w-{run}"), ("phone", "+1 555 010 7788")),
            Events.Purchase(visitor, 35, now.AddDays(-35)));

        await using var admin = await console.OpenConsoleAsync();
        await admin.SignInLiveAsync(TestKeys.Admin);
        await admin.OpenCustomerAsync(buyer, buyer);
        var identifiers = admin.Page.Locator("#identifiers");
        await Expect(identifiers.Locator($"li[data-kind='email'][data-value='grace.{run}@example.com']")).ToBeVisibleAsync();
        await Expect(identifiers.Locator($"li[data-kind='customer'][data-value='{buyer}']")).ToBeVisibleAsync();
        await Expect(admin.Field("purchaseCount")).ToHaveTextAsync("1");

        await admin.Page.FillAsync("#merge-from", visitor);
        await admin.Page.FillAsync("#merge-reason", "the web visitor bought as Grace");
        await admin.Page.ClickAsync("#merge-form button[type=submit]");
        await Expect(admin.Page.Locator("#merge-result")).ToContainTextAsync($"Merged {visitor} into {buyer}");
        await Expect(identifiers.Locator($"li[data-kind='customer'][data-value='{visitor}']")).ToBeVisibleAsync();
        await Expect(identifiers.Locator($"li[data-kind='external'][data-value='web_id:w-{run}']")).ToBeVisibleAsync();
        await Expect(identifiers.Locator("li[data-kind='phone'][data-value='+15550107788']")).ToBeVisibleAsync();
        // The card follows: both histories, and the merge in its decision log.
        await Expect(admin.Field("purchaseCount")).ToHaveTextAsync("2");
        await Expect(admin.Page.Locator("#decisions")).ToContainTextAsync("the web visitor bought as Grace");

        // A refused merge says why.
        await admin.Page.FillAsync("#merge-from", buyer);
        await admin.Page.FillAsync("#merge-reason", "oops");
        await admin.Page.ClickAsync("#merge-form button[type=submit]");
        await Expect(admin.Page.Locator("#merge-result")).ToContainTextAsync("itself");
        await admin.ScreenshotAsync("identity-merge.png");

        await using var agent = await console.OpenConsoleAsync();
        await agent.SignInLiveAsync(PushKeys.Ada);
        await agent.OpenCustomerAsync(buyer, buyer);
        await Expect(agent.Page.Locator($"#identifiers li[data-kind='customer'][data-value='{visitor}']")).ToBeVisibleAsync();
        await Expect(agent.Page.Locator("#merge-form")).ToBeHiddenAsync();
    }
}
