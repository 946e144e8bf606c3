using Microsoft.Playwright;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, which <c>.ci/run</c> installs when missing) driven by Playwright,
/// headless: one browser for a test class, a fresh context (cookies, storage) per signed-in person.
/// Playwright's own browser builds are never used, so nothing is downloaded.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>The desktop size the console is designed for, and the screenshots are taken at.</summary>
    public static readonly ViewportSize Desktop = new() { Width = 1440, Height = 900 };

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install chromium (.ci/run does).");
        }
        // A loaded machine (2 cores, parallel builds) needs more than Playwright's 5 s default to see a change.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // A first start on a fresh machine (cold disk, fonts cache) can take longer than Playwright's 30 s default.
            Timeout = 120_000,
            // --disable-dev-shm-usage: a container's /dev/shm can be 64 MB, where Chromium's renderers crash; /tmp is used instead.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A new browser context (its own session storage) at desktop size, with the console's address as base.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = Desktop, BaseURL = baseAddress.ToString() });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>
/// Where the tests put what a person looks at. Every run takes the screenshots (so a page that cannot render fails),
/// but only <c>./test.sh --screenshots</c> (<c>ENGAGEMENT_SCREENSHOTS=1</c>) writes them over the repository's
/// <c>docs/screenshots</c>; otherwise they go to a folder under the system's temp folder, and the tracked files stay as they are.
/// </summary>
public static class Screenshots
{
    public const string Variable = "ENGAGEMENT_SCREENSHOTS";

    public static string PathOf(string name)
    {
        var folder = Environment.GetEnvironmentVariable(Variable) == "1"
            ? Path.Combine(Repository.Root().FullName, "docs", "screenshots")
            : Path.Combine(Path.GetTempPath(), "engagement-screenshots");
        return Path.Combine(Directory.CreateDirectory(folder).FullName, name);
    }
}
