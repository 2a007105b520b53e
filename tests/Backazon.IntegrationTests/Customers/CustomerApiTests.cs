using System.Net;
using System.Net.Http.Json;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Customers;

/// <summary>The customer API over real HTTP, signed in at the local issuer with the code flow and
/// PKCE: what a member sees of their account, and that nothing of another account is reachable.</summary>
[Collection(SignInCollection.Name)]
public sealed class CustomerApiTests(SignInFixture backend) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backazon-customer-").FullName;

    [Fact]
    public async Task SignedInMember_SeesAccountAndDevices_ListsFilesAsOfAMoment_AndGetsAWorkingLink()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        using var machine = await CliHarness.EnrollAsync(backend, account.Id);
        var file = Path.Combine(_folder, "letter.txt");
        await File.WriteAllTextAsync(file, "first");
        Assert.Equal(0, (await machine.RunAsync("backup", _folder)).Code);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(1100); // catalog times are to the second: the two versions must differ by one
        await File.WriteAllTextAsync(file, "second, longer");
        Assert.Equal(0, (await machine.RunAsync("backup", _folder)).Code);

        using var customer = backend.Client(token);
        var mine = (await customer.GetFromJsonAsync<CustomerAccountView>("me/account", Api.Json))!;
        Assert.Equal((account.Id, "active", 500_000_000_000L), (mine.Id, mine.Status, mine.QuotaBytes));
        Assert.Equal("personal", mine.Plan.Id);
        var device = Assert.Single(mine.Devices);
        Assert.Equal(machine.Device.DeviceId, device.Id);
        Assert.NotNull(device.LastCompleteBackupAt);
        Assert.Equal((false, 0, true), (device.Stale, device.PendingFiles, device.LastRunComplete));

        var listed = await Eventually.ValueAsync(async () =>
        {
            var page = await customer.GetFromJsonAsync<CatalogPage>(
                $"me/devices/{device.Id}/catalog?recursive=true&at={Uri.EscapeDataString(between.ToString("O"))}", Api.Json);
            return page!.Items.FirstOrDefault(i => i.Path.EndsWith("/letter.txt", StringComparison.Ordinal));
        }, "the first version is listed as of the moment between the backups");
        Assert.Equal(5, listed.Size);

        var manifest = await (await customer.PostAsJsonAsync($"me/devices/{device.Id}/restores",
            new RestoreRequest([listed.Path], null, between, null, null), Api.Json)).Content.ReadFromJsonAsync<RestoreManifest>(Api.Json);
        using var anyone = new HttpClient();
        Assert.Equal("first", await anyone.GetStringAsync(Assert.Single(manifest!.Items).DownloadUrl));

        var versions = await customer.GetFromJsonAsync<List<CatalogItem>>($"me/devices/{device.Id}/versions?path={Uri.EscapeDataString(listed.Path)}", Api.Json);
        Assert.Equal(2, versions!.Count);
        var runs = await customer.GetFromJsonAsync<RunPage>($"me/devices/{device.Id}/runs", Api.Json);
        Assert.Equal(2, runs!.Items.Count);
    }

    [Fact]
    public async Task MemberOfAnotherAccount_Gets404_OnEveryRouteWithTheFirstAccountsIds()
    {
        var (first, _) = await CustomerSignInClient.NewMemberAsync(backend);
        var device = await backend.EnrollAsync(first.Id, "first-laptop");
        var (_, otherToken) = await CustomerSignInClient.NewMemberAsync(backend);
        using var other = backend.Client(otherToken);
        var id = device.DeviceId;

        HttpRequestMessage[] requests =
        [
            new(HttpMethod.Get, $"me/devices/{id}/catalog"),
            new(HttpMethod.Get, $"me/devices/{id}/versions?path=x"),
            new(HttpMethod.Get, $"me/devices/{id}/runs"),
            new(HttpMethod.Post, $"me/devices/{id}/restores") { Content = JsonContent.Create(new RestoreRequest(["x"], null, null, null, null), options: Api.Json) },
            new(HttpMethod.Patch, $"me/devices/{id}") { Content = JsonContent.Create(new RenameDeviceRequest("mine now"), options: Api.Json) },
            new(HttpMethod.Post, $"me/devices/{id}/revoke"),
            new(HttpMethod.Delete, $"me/devices/{id}/rejections"),
        ];
        foreach (var request in requests)
        {
            var problem = await Api.ProblemAsync(await other.SendAsync(request), HttpStatusCode.NotFound);
            Assert.Equal("The device was not found.", problem.GetProperty("detail").GetString());
        }

        // Nothing changed: the device keeps its name and still works.
        using var operatorClient = backend.OperatorClient();
        var seen = await operatorClient.GetFromJsonAsync<AccountView>($"admin/accounts/{first.Id}", Api.Json);
        Assert.Equal(("first-laptop", false), (seen!.Devices.Single().Name, seen.Devices.Single().Revoked));
        var others = await other.GetFromJsonAsync<List<CustomerDeviceView>>("me/devices", Api.Json);
        Assert.Empty(others!);
    }

    [Fact]
    public async Task ChunkList_OfABigFilesContent_HashesToItsIdentity_AndIsNobodyElses()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        using var machine = await CliHarness.EnrollAsync(backend, account.Id);
        var big = System.Security.Cryptography.RandomNumberGenerator.GetBytes((int)BackupLimits.ChunkedMinBytes + 1_000_000);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "film.mov"), big);
        await File.WriteAllTextAsync(Path.Combine(_folder, "note.txt"), "small, sent whole");
        Assert.Equal(0, (await machine.RunAsync("backup", _folder)).Code);

        using var customer = backend.Client(token);
        var files = await Eventually.ValueAsync(async () =>
        {
            var page = await customer.GetFromJsonAsync<CatalogPage>($"me/devices/{machine.Device.DeviceId}/catalog?recursive=true", Api.Json);
            return page!.Items.Count(i => i.Kind == "file") == 2 ? page.Items : null;
        }, "both files are cataloged");
        var film = files.Single(i => i.Path.EndsWith("/film.mov", StringComparison.Ordinal));
        var note = files.Single(i => i.Path.EndsWith("/note.txt", StringComparison.Ordinal));

        var list = await customer.GetFromJsonAsync<ContentChunks>($"me/contents/{film.Hash}/chunks", Api.Json);
        Assert.Equal(film.Hash, list!.Hash);
        Assert.True(list.Chunks.Count > 1);
        Assert.Equal(film.Hash, ChunkListHash.Of(list.Chunks));
        Assert.Equal(big.Length, list.Chunks.Sum(c => c.Length));

        // Content stored whole has no list; another account's content is not there at all.
        var whole = await Api.ProblemAsync(await customer.GetAsync($"me/contents/{note.Hash}/chunks"), HttpStatusCode.NotFound);
        Assert.Equal("The content was not found.", whole.GetProperty("detail").GetString());
        var (_, otherToken) = await CustomerSignInClient.NewMemberAsync(backend);
        using var other = backend.Client(otherToken);
        var theirs = await Api.ProblemAsync(await other.GetAsync($"me/contents/{film.Hash}/chunks"), HttpStatusCode.NotFound);
        Assert.Equal("The content was not found.", theirs.GetProperty("detail").GetString());
        var bad = await Api.ProblemAsync(await customer.GetAsync("me/contents/not-a-hash/chunks"), HttpStatusCode.BadRequest);
        Assert.Equal("hash", bad.GetProperty("field").GetString());
    }

    [Fact]
    public async Task FolderListing_WithALimit_IsAPageThatSize_WhoseContinuationGoesOn_AndABadLimitIs400()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        using var machine = await CliHarness.EnrollAsync(backend, account.Id);
        foreach (var name in (string[])["a.txt", "b.txt", "c.txt"])
        {
            await File.WriteAllTextAsync(Path.Combine(_folder, name), name);
        }

        Assert.Equal(0, (await machine.RunAsync("backup", _folder)).Code);
        using var customer = backend.Client(token);
        var folder = Uri.EscapeDataString(Backazon.Uploader.Scanning.CatalogPath.FromLocal(_folder));
        var listing = $"me/devices/{machine.Device.DeviceId}/catalog?path={folder}";

        var first = (await customer.GetFromJsonAsync<CatalogPage>($"{listing}&limit=2", Api.Json))!;
        var rest = (await customer.GetFromJsonAsync<CatalogPage>($"{listing}&continuation={Uri.EscapeDataString(first.Continuation!)}", Api.Json))!;

        Assert.Equal(["a.txt", "b.txt"], first.Items.Select(i => Path.GetFileName(i.Path)));
        Assert.Equal(["c.txt"], rest.Items.Select(i => Path.GetFileName(i.Path)));
        Assert.Null(rest.Continuation);
        foreach (var bad in (string[])["0", "1001", "many"])
        {
            var problem = await Api.ProblemAsync(await customer.GetAsync($"{listing}&limit={bad}"), HttpStatusCode.BadRequest);
            Assert.Contains("'limit' must", problem.GetProperty("detail").GetString());
            Assert.Equal("limit", problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Member_RenamesAndRevokesADevice_ItsTokenStopsWorking()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        var device = await backend.EnrollAsync(account.Id, "old name");
        using var customer = backend.Client(token);

        var renamed = await (await customer.PatchAsJsonAsync($"me/devices/{device.DeviceId}", new RenameDeviceRequest("stolen laptop"), Api.Json))
            .Content.ReadFromJsonAsync<CustomerDeviceView>(Api.Json);
        var bad = await Api.ProblemAsync(await customer.PatchAsJsonAsync($"me/devices/{device.DeviceId}", new RenameDeviceRequest(""), Api.Json), HttpStatusCode.BadRequest);
        var revoked = await (await customer.PostAsync($"me/devices/{device.DeviceId}/revoke", null)).Content.ReadFromJsonAsync<CustomerDeviceView>(Api.Json);

        Assert.Equal("stolen laptop", renamed!.Name);
        Assert.Equal("name", bad.GetProperty("field").GetString());
        Assert.True(revoked!.Revoked);
        using var laptop = backend.Client(device.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.GetAsync("device/status")).StatusCode);
    }

    [Fact]
    public async Task Member_ClearsTheRejectionsThatStoppedAComputer_ItBacksUpAgain()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        var device = await backend.EnrollAsync(account.Id, "laptop");
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Backazon.Backend.Accounts.AccountStore>(backend.App.Services);
        for (var i = 0; i < Backazon.Backend.Uploads.UploadGrantService.MaxRejectedUploads; i++)
        {
            await store.CountRejectedUploadAsync(account.Id, device.DeviceId, 1, DateTimeOffset.UtcNow);
        }

        using var laptop = new Uploader.Api.BackazonClient(backend.BaseAddress, device.Token, retry: false);
        var bytes = "honest bytes"u8.ToArray();
        var request = new UploadGrantRequest([new GrantFile("a.txt", bytes.Length, TestDevice.Sha256(bytes))]);
        Assert.Equal(GrantOutcomes.Refused, (await laptop.RequestGrantsAsync(request)).Files[0].Outcome);

        using var customer = backend.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await customer.DeleteAsync($"me/devices/{device.DeviceId}/rejections")).StatusCode);

        Assert.Equal(GrantOutcomes.Upload, (await laptop.RequestGrantsAsync(request)).Files[0].Outcome);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
