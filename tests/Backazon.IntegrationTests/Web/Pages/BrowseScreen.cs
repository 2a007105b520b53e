using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Backazon.IntegrationTests.Web.Pages;

/// <summary>A computer's folder as of a moment: its rows, the "As of" picker, downloads.</summary>
public sealed class BrowseScreen(IPage page)
{
    public IPage Page => page;

    /// <summary>Opens a folder by its address, as a bookmarked or shared link does.</summary>
    public static async Task<BrowseScreen> OpenAsync(IPage page, string pageAddress, string deviceId, string folder)
    {
        await page.GotoAsync($"{pageAddress}#/computer/{Uri.EscapeDataString(deviceId)}?path={Uri.EscapeDataString(folder)}");
        return new BrowseScreen(page);
    }

    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Level = 1 });

    public ILocator Row(string name) =>
        page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = name, Exact = true }) });

    public async Task OpenFolderAsync(string name)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = name + "/", Exact = true }).ClickAsync();
        await Expect(Heading).ToContainTextAsync(name);
    }

    /// <summary>Picks a moment in the browser's local time, as a person types it.</summary>
    public async Task ShowAsOfAsync(DateTimeOffset moment, string timeZone)
    {
        var local = TimeZoneInfo.ConvertTime(moment, TimeZoneInfo.FindSystemTimeZoneById(timeZone));
        await page.GetByLabel("As of").FillAsync(local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasTextString = "As of " })).Not.ToHaveTextAsync("As of now.");
    }

    /// <summary>Ticks a file or folder for a selection download.</summary>
    public Task SelectAsync(string name) => page.GetByRole(AriaRole.Checkbox, new() { Name = $"Select {name}", Exact = true }).CheckAsync();

    public ILocator DownloadButton(string name) => page.GetByRole(AriaRole.Button, new() { Name = $"Download {name}", Exact = true });

    public Task<IDownload> DownloadAsync(string name) => page.RunAndWaitForDownloadAsync(() => DownloadButton(name).ClickAsync());

    public ILocator Alert => page.GetByRole(AriaRole.Alert);

    public async Task<VersionsScreen> OpenVersionsAsync(string name)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = $"Versions of {name}", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Versions of {name}" })).ToBeVisibleAsync();
        return new VersionsScreen(page);
    }
}

/// <summary>A file's versions, newest first.</summary>
public sealed class VersionsScreen(IPage page)
{
    public ILocator Rows => page.Locator("tbody").GetByRole(AriaRole.Row);

    /// <summary>Downloads the version in this row (0: the newest).</summary>
    public Task<IDownload> DownloadAsync(int row) =>
        page.RunAndWaitForDownloadAsync(() => Rows.Nth(row).GetByRole(AriaRole.Button).ClickAsync());
}
