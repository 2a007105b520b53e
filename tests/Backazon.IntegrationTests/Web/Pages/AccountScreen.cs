using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Backazon.IntegrationTests.Web.Pages;

/// <summary>The account screen, reached by signing in as a person does: the page's Sign in
/// button, the issuer's form, back to the page.</summary>
public sealed class AccountScreen(IPage page)
{
    public IPage Page => page;

    public static async Task<AccountScreen> SignInAsync(IPage page, string pageAddress, string user, string password, string accountName)
    {
        await page.GotoAsync(pageAddress);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = accountName, Level = 1 })).ToBeVisibleAsync();
        return new AccountScreen(page);
    }

    public ILocator Computer(string name) => page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    /// <summary>The row of a computer in the table of computers.</summary>
    public ILocator ComputerRow(string name) =>
        page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = name, Exact = true }) });

    public ILocator Detail(string term) => page.Locator("dt", new() { HasTextString = term }).Locator("+ dd");

    public ILocator Warning(string text) => page.GetByRole(AriaRole.Status).Filter(new() { HasTextString = text });

    public async Task<BrowseScreen> OpenComputerAsync(string name)
    {
        await Computer(name).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Files of {name}" })).ToBeVisibleAsync();
        return new BrowseScreen(page);
    }

    public async Task SignOutAsync()
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
    }
}
