using Backazon.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Backazon.IntegrationTests.Web;

/// <summary>
/// The local backend with its issuer and Azurite (<see cref="SignInFixture"/>), and Debian's
/// Chromium driven by Playwright (its own browser download cannot run here). Each test opens its
/// own browser context: a fresh profile, as a new visitor has.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright _playwright = null!;

    public SignInFixture Backend { get; } = new();
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The page's address on the local backend.</summary>
    public string PageAddress => new Uri(Backend.BaseAddress, "/api/web/").ToString();

    public async Task InitializeAsync()
    {
        await Backend.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A new visitor: its own profile, downloads accepted, a time zone that is not UTC (so
    /// the page's local times are really converted).</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, TimezoneId = TimeZone, Locale = "en-GB" });
        return await context.NewPageAsync();
    }

    public const string TimeZone = "Europe/Berlin";

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Backend.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
