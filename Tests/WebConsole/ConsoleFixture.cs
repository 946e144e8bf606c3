using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// What the browser tests share: an embedded engine with the named keys of <see cref="PushKeys"/> and a fitted
/// population (so cards carry tiers, P(alive) and CLV), its business clock held at <see cref="Now"/>, and one
/// Chromium.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    private readonly BrowserFixture _browser = new();
    private EngineHost? _engine;

    /// <summary>Business time: the wall clock at the start, to the minute, so the console's "5 min ago" reads true.</summary>
    public DateTimeOffset Now { get; } = new(DateTimeOffset.UtcNow.Ticks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);

    public EngineHost Engine => _engine ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        var clock = new FakeTimeProvider(Now);
        // The SLA sweep (tested on its own) at its slowest: the board tests count every change, and an escalation in the
        // middle of one would be news they did not make.
        _engine = await EngineHost.StartEmbeddedAsync(settings: [.. TestLimits.Configuration(), .. PushKeys.Configuration(),
                new("Engagement:Alerts:Sla:SweepInterval", "01:00:00")],
            services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));
        await _engine.Client.SubmitAcceptedAsync(SimulatedPopulation.Purchases(Now));
        await _engine.UntilSweptAsync(await _engine.RefitFittedAsync());
        await _browser.InitializeAsync();
    }

    /// <summary>A console in a fresh browser context (a person at another screen), not signed in yet.</summary>
    public async Task<ConsolePage> OpenConsoleAsync() => new(await _browser.NewPageAsync(Engine.WebAddress));

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        if (_engine is not null) await _engine.DisposeAsync();
    }
}

/// <summary>The console as a person uses it: what they type and click, and where they look.</summary>
public sealed class ConsolePage(IPage page) : IAsyncDisposable
{
    public IPage Page => page;

    public ILocator SignInError => page.Locator("#sign-in-error");

    public ILocator Card => page.Locator("#card");

    public ILocator CardStatus => page.Locator("#card-status");

    /// <summary>A value on the card, by its field key (e.g. <c>totalSpend</c>, <c>profile.city</c>).</summary>
    public ILocator Field(string key) => page.Locator($"#card [data-field='{key}']");

    /// <summary>The board's row of a customer's case.</summary>
    public ILocator CaseRow(string customerId) => page.Locator($"#case-rows tr[data-customer-id='{customerId}']");

    /// <summary>A counter above the board: <c>total</c>, <c>Critical</c>, <c>Warning</c>.</summary>
    public ILocator Count(string severity) => page.Locator($"#severity-counts [data-severity='{severity}'] .count-value");

    public async Task SignInAsync(string key)
    {
        await page.GotoAsync("/");
        await page.FillAsync("#key", key);
        await page.ClickAsync("#sign-in-form button[type=submit]");
    }

    /// <summary>Signs in and waits until the live connections are up.</summary>
    public async Task SignInLiveAsync(string key)
    {
        await SignInAsync(key);
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live");
    }

    public async Task OpenCustomerAsync(string query, string customerId)
    {
        await page.Locator(".tab[data-view=agent]").ClickAsync();
        await page.FillAsync("#lookup", query);
        await page.ClickAsync("#lookup-form button[type=submit]");
        await Assertions.Expect(Card).ToHaveAttributeAsync("data-customer", customerId);
    }

    public async Task ScreenshotAsync(string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathOf(name), FullPage = false });

    public ValueTask DisposeAsync() => new(page.Context.CloseAsync());
}
