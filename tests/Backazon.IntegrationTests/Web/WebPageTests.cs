using System.Net.Http.Json;
using System.Security.Cryptography;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Web.Pages;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Backazon.IntegrationTests.Web;

/// <summary>
/// The customer's web page in a real Chromium, against the local backend, its issuer and Azurite:
/// a person signs in, sees the account, browses a backed-up tree now and as it was, downloads a
/// file (checked in the browser against the catalog's hash), and sees nothing of another account.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class WebPageTests(WebFixture web) : IDisposable
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-web-").FullName;
    private SignInFixture Backend => web.Backend;

    [Fact]
    public async Task SignIn_ShowsAccountAndComputers_WarnsOfOneNeverBackedUp_AndSignOutForgetsTheToken()
    {
        var (account, user) = await NewMemberAsync("Ada's family");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        await File.WriteAllTextAsync(Path.Combine(_tree, "note.txt"), "hello");
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await Backend.EnrollAsync(account.Id, "old-desktop", os: "Windows 11 Pro"); // never backs up

        var page = await web.NewPageAsync();
        var home = await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Ada's family");

        await Expect(home.Detail("Plan")).ToHaveTextAsync(account.Plan.DisplayName);
        await Expect(home.Detail("Storage")).ToContainTextAsync("used of 500 GB");
        await Expect(home.ComputerRow(laptop.Device.DeviceName)).Not.ToContainTextAsync("never");
        await Expect(home.ComputerRow("old-desktop")).ToContainTextAsync("never");
        await Expect(home.ComputerRow("old-desktop")).ToContainTextAsync("Windows 11 Pro"); // enrolled with an operator code
        await Expect(home.Detail("Signed in as")).ToHaveTextAsync(user + "@example.com"); // who signed in, not where the invitation went
        await Expect(home.Warning("old-desktop has not completed a backup yet.")).ToBeVisibleAsync();
        await Expect(home.Warning(laptop.Device.DeviceName)).ToHaveCountAsync(0);
        // The code from the issuer is gone from the address, and no token was put where scripts keep things.
        Assert.DoesNotContain("code=", page.Url);
        Assert.Equal("{}{}", await page.EvaluateAsync<string>("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"));
        await Screenshots.SaveAsync(page, "account");

        await home.SignOutAsync();
        await page.GotoAsync(web.PageAddress + "#/");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ada's family" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Browse_ShowsTheTreeNow_AndAsItWasAtAnOlderMoment_WithDeletedFilesAndVersions()
    {
        var (account, user) = await NewMemberAsync("Browsing");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        var (between, docs) = await BackUpTwiceAsync(laptop);

        var page = await web.NewPageAsync();
        var home = await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Browsing");
        await home.OpenComputerAsync(laptop.Device.DeviceName);
        var folder = await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, CatalogPath(_tree));
        await folder.OpenFolderAsync("docs");

        await Expect(folder.Row("report.txt")).ToContainTextAsync("14 bytes");
        await Expect(folder.Row("draft.txt")).ToContainTextAsync("Deleted");
        await Expect(folder.Row("Grüße.txt")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "browse");

        // On a phone the row's actions stay on the screen, not behind a sideways scroll.
        await page.SetViewportSizeAsync(390, 844);
        var download = await folder.Row("report.txt").GetByRole(AriaRole.Button, new() { Name = "Download report.txt" }).BoundingBoxAsync();
        Assert.True(download is { } box && box.X >= 0 && box.X + box.Width <= 390, $"the Download button is at {download?.X} + {download?.Width} of 390");
        await Screenshots.SaveAsync(page, "browse-phone");
        await page.SetViewportSizeAsync(1280, 720);

        await folder.ShowAsOfAsync(between, WebFixture.TimeZone);
        await Expect(folder.Row("report.txt")).ToContainTextAsync("5 bytes");
        await Expect(folder.Row("draft.txt")).Not.ToContainTextAsync("Deleted");
        await Screenshots.SaveAsync(page, "browse-older");

        var versions = await folder.OpenVersionsAsync("report.txt");
        await Expect(versions.Rows).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(page, "versions");
        Assert.True(Directory.Exists(docs));
    }

    [Fact]
    public async Task Browse_AFolderOfManyFiles_ShowsAScreenfulFirst_AndTheRestOnShowMore()
    {
        var (account, user) = await NewMemberAsync("Many");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        var many = Directory.CreateDirectory(Path.Combine(_tree, "many")).FullName;
        for (var i = 0; i < 230; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(many, $"f{i:D3}.txt"), $"{i}");
        }

        Assert.Equal(0, (await laptop.RunAsync("backup", many)).Code);
        await WaitListedAsync(laptop, Path.Combine(many, "f229.txt"));

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Many");
        await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, CatalogPath(many));
        var rows = page.Locator("tbody").GetByRole(AriaRole.Row);

        // A screenful at once, however big the folder (the first page asks for 200), then the rest.
        await Expect(rows).ToHaveCountAsync(200);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show more" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(230);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show more" })).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Download_SavesTheFileUnderItsOwnName_WithTheBytesBackedUp_AndAnOlderVersionToo()
    {
        var (account, user) = await NewMemberAsync("Downloads");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        var (_, docs) = await BackUpTwiceAsync(laptop);

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Downloads");
        var folder = await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, CatalogPath(docs));

        var download = await folder.DownloadAsync("Grüße.txt");
        Assert.Equal("Grüße.txt", download.SuggestedFilename);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(docs, "Grüße.txt")), await File.ReadAllBytesAsync((await download.PathAsync())!));
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasTextString = "Grüße.txt downloaded and checked" })).ToBeVisibleAsync();

        var versions = await folder.OpenVersionsAsync("report.txt");
        var older = await versions.DownloadAsync(row: 1);
        Assert.Equal("report.txt", older.SuggestedFilename);
        Assert.Equal("first"u8.ToArray(), await File.ReadAllBytesAsync((await older.PathAsync())!));
    }

    [Fact]
    public async Task Download_OfATamperedBlob_IsReportedAndNothingIsSaved()
    {
        var (account, user) = await NewMemberAsync("Tampered");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        var original = "the bytes that were backed up"u8.ToArray();
        await File.WriteAllBytesAsync(Path.Combine(_tree, "contract.pdf"), original);
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await WaitListedAsync(laptop, Path.Combine(_tree, "contract.pdf"));

        // Same size, other bytes, in the very blob the catalog points at.
        var tampered = original.ToArray();
        tampered[3] ^= 0xff;
        await new ContentBlobs(Backend.Storage).Blob(account.Id, Convert.ToHexStringLower(SHA256.HashData(original)))
            .UploadAsync(new BinaryData(tampered), overwrite: true);

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Tampered");
        var folder = await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, CatalogPath(_tree));
        var downloads = 0;
        page.Download += (_, _) => downloads++;
        await folder.DownloadButton("contract.pdf").ClickAsync();

        await Expect(folder.Alert).ToContainTextAsync("contract.pdf was not saved: its bytes do not match the backup's check");
        await Screenshots.SaveAsync(page, "tampered");
        Assert.Equal(0, downloads);
    }

    [Fact]
    public async Task AnotherAccountsComputer_ShowsNothing()
    {
        var (first, _) = await NewMemberAsync("First");
        using var laptop = await CliHarness.EnrollAsync(Backend, first.Id);
        await File.WriteAllTextAsync(Path.Combine(_tree, "secret.txt"), "private");
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await WaitListedAsync(laptop, Path.Combine(_tree, "secret.txt"));
        var (_, intruder) = await NewMemberAsync("Second");

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, intruder, "pw-" + intruder, "Second");
        await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, CatalogPath(_tree));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Computer not found" })).ToBeVisibleAsync();
        await Expect(page.GetByText("secret.txt")).ToHaveCountAsync(0);

        await page.GotoAsync($"{web.PageAddress}#/versions/{laptop.Device.DeviceId}?path={Uri.EscapeDataString(CatalogPath(Path.Combine(_tree, "secret.txt")))}");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The device was not found.");
        await Expect(page.GetByRole(AriaRole.Row)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task LinkingCode_ShowsTheAskingComputer_AndApprovingItEnrollsItInTheAccount()
    {
        var (account, user) = await NewMemberAsync("Linking");
        using var computer = Backend.Client();
        var started = await (await computer.PostAsJsonAsync("devices/link", new DeviceLinkRequest("new-laptop", "linux"), Api.Json))
            .Content.ReadFromJsonAsync<DeviceAuthorizationResponse>(Api.Json);

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Linking");
        await page.GetByRole(AriaRole.Link, new() { Name = "Link a computer" }).ClickAsync();
        await page.GetByLabel("Code shown on the computer").FillAsync(started!.UserCode);
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        await Expect(page.Locator("dt", new() { HasTextString = "Computer" }).Locator("+ dd")).ToHaveTextAsync("new-laptop");
        await Expect(page.Locator("dt", new() { HasTextString = "System" }).Locator("+ dd")).ToHaveTextAsync("linux");
        await Screenshots.SaveAsync(page, "link");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasTextString = "new-laptop is linked to your account" })).ToBeVisibleAsync();

        // The waiting computer's next poll receives its credentials, in this account.
        var enrolled = await (await computer.PostAsJsonAsync("devices/link/token", new DeviceTokenRequest(DeviceLinkErrors.GrantType, started.DeviceCode), Api.Json))
            .Content.ReadFromJsonAsync<EnrollResponse>(Api.Json);
        Assert.Equal((account.Id, "new-laptop"), (enrolled!.AccountId, enrolled.DeviceName));
    }

    [Fact]
    public async Task LinkingCode_ApprovedAsTakingOverADeadComputer_CarriesOnThatComputer()
    {
        var (account, user) = await NewMemberAsync("Dead disk");
        var dead = await Backend.EnrollAsync(account.Id, "dead-laptop");
        using var computer = Backend.Client();
        var started = await (await computer.PostAsJsonAsync("devices/link", new DeviceLinkRequest("new-laptop", "linux"), Api.Json))
            .Content.ReadFromJsonAsync<DeviceAuthorizationResponse>(Api.Json);

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Dead disk");
        await page.GotoAsync($"{web.PageAddress}#/link?code={started!.UserCode}");
        await Expect(page.GetByLabel("Takes over")).ToHaveValueAsync(""); // it asked for nothing: a new computer unless told
        await page.GetByLabel("Takes over").SelectOptionAsync(new SelectOptionValue { Label = "dead-laptop" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasTextString = "new-laptop takes over dead-laptop" })).ToBeVisibleAsync();

        // The waiting computer receives the dead one's identity: its history continues there.
        var enrolled = await (await computer.PostAsJsonAsync("devices/link/token", new DeviceTokenRequest(DeviceLinkErrors.GrantType, started.DeviceCode), Api.Json))
            .Content.ReadFromJsonAsync<EnrollResponse>(Api.Json);
        Assert.Equal((account.Id, dead.DeviceId), (enrolled!.AccountId, enrolled.DeviceId));
    }

    [Fact]
    public async Task Revoke_ALostComputer_TakesTwoPresses_AndShutsItOut()
    {
        var (account, user) = await NewMemberAsync("Lost laptop");
        await Backend.EnrollAsync(account.Id, "stolen-laptop");

        var page = await web.NewPageAsync();
        var home = await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Lost laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke stolen-laptop" }).ClickAsync();
        await Expect(home.ComputerRow("stolen-laptop")).ToBeVisibleAsync(); // one press only asks
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke stolen-laptop" }).ClickAsync();
        await Expect(home.ComputerRow("stolen-laptop")).ToHaveCountAsync(0);

        using var operatorClient = Backend.OperatorClient();
        var seen = await operatorClient.GetFromJsonAsync<AccountView>($"admin/accounts/{account.Id}", Api.Json);
        Assert.True(seen!.Devices.Single().Revoked);
    }

    [Fact]
    public async Task Uploader_IsOfferedForThisSystem_OnceTheOperatorPublishedIt()
    {
        var (_, user) = await NewMemberAsync("New computer");
        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "New computer");
        var builds = Backend.Storage.Blobs.GetBlobContainerClient(StorageNames.UploaderContainer);
        var published = builds.GetBlobs().Any();
        if (!published)
        {
            await Expect(page.GetByText("This server offers no uploader downloads yet")).ToBeVisibleAsync();
        }

        // What uploader/publish.sh --upload puts there (here a stand-in for the 40 MB build).
        var build = RandomNumberGenerator.GetBytes(50_000);
        await builds.GetBlobClient("linux-x64/backazon").UploadAsync(new BinaryData(build), overwrite: true);
        await builds.GetBlobClient("win-x64/backazon.exe").UploadAsync(new BinaryData(build), overwrite: true);
        await page.GetByRole(AriaRole.Link, new() { Name = "Link a computer" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Account", Exact = true }).ClickAsync();

        // Chromium here runs on Linux x64: that build first, the others folded away.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download backazon for Linux (x64)" }).ClickAsync());
        Assert.Equal("backazon", download.SuggestedFilename);
        Assert.Equal(build, await File.ReadAllBytesAsync((await download.PathAsync())!));
        await page.GetByText("Other systems").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download backazon for Windows (x64)" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "account-uploader");
    }

    [Fact]
    public async Task InvitationLink_OpensThePage_AndTheFirstSignInJoinsTheAccount()
    {
        var account = await Backend.CreateAccountAsync(name: "Invited family");
        var user = Backend.NewUser();
        var invitation = await CustomerSignInClient.InviteAsync(Backend, account.Id);
        Assert.StartsWith(web.PageAddress, invitation.Link);

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, invitation.Link, user, "pw-" + user, "Invited family");

        Assert.DoesNotContain("token=", page.Url); // the single-use token leaves the address
        await page.GotoAsync(invitation.Link); // used: a clear refusal, nothing else
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("invitation");
    }

    private Task<(AccountView Account, string User)> NewMemberAsync(string name) => WebMembers.NewAsync(Backend, name);

    /// <summary>docs/report.txt "first", docs/draft.txt and docs/Grüße.txt backed up; then
    /// report.txt changed and draft.txt deleted. Returns a moment between the two backups.</summary>
    private async Task<(DateTimeOffset Between, string Docs)> BackUpTwiceAsync(CliHarness laptop)
    {
        var docs = Directory.CreateDirectory(Path.Combine(_tree, "docs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(docs, "report.txt"), "first");
        await File.WriteAllTextAsync(Path.Combine(docs, "draft.txt"), "a draft");
        await File.WriteAllTextAsync(Path.Combine(docs, "Grüße.txt"), "Grüße aus Köln, ünïcödé");
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await WaitListedAsync(laptop, Path.Combine(docs, "report.txt"));
        // Catalog times are to the second and the picker too: a whole second on each side.
        await Task.Delay(1100);
        var between = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await Task.Delay(1100);
        await File.WriteAllTextAsync(Path.Combine(docs, "report.txt"), "second, longer");
        File.Delete(Path.Combine(docs, "draft.txt"));
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await WaitListedAsync(laptop, Path.Combine(docs, "report.txt"), size: 14);
        return (between, docs);
    }

    /// <summary>Cataloging runs from a queue after the backup: wait until the file is listed.</summary>
    private async Task WaitListedAsync(CliHarness laptop, string path, long? size = null)
    {
        using var device = Backend.Client(laptop.Device.Token);
        await Eventually.ValueAsync(async () =>
        {
            var page = await device.GetFromJsonAsync<CatalogPage>("catalog/list?recursive=true", Api.Json);
            return page!.Items.FirstOrDefault(i => i.Path == CatalogPath(path) && (size is null || i.Size == size));
        }, $"{path} is cataloged");
    }

    /// <summary>The catalog names a file by its full path without the leading slash.</summary>
    private static string CatalogPath(string local) => local.TrimStart('/');

    public void Dispose() => Directory.Delete(_tree, recursive: true);
}
