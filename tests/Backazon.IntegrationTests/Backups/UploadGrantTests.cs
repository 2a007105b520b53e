using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Backazon.Backend.Configuration;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Api;

namespace Backazon.IntegrationTests.Backups;

[Collection(BackendCollection.Name)]
public sealed class UploadGrantTests(BackendFixture backend)
{
    [Fact]
    public async Task Grant_NewSmallContent_IsCreateOnlySasForItsContentBlobNamedWithoutThePath()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("hello");
        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("Users/ada/secret-plans.txt", 5, TestDevice.Sha256(bytes))]))).Files);

        Assert.Equal(GrantOutcomes.Upload, grant.Outcome);
        var url = new Uri(grant.UploadUrl!);
        Assert.DoesNotContain("secret", url.AbsolutePath);
        Assert.Equal($"/{Backazon.LocalHost.Azurite.AzuriteProcess.AccountName}/{StorageNames.ContentContainer}/{device.AccountId}/{TestDevice.Sha256(bytes)}", url.AbsolutePath);
        Assert.Contains("sp=c&", url.Query);
        Assert.True(grant.ExpiresAt < DateTimeOffset.UtcNow.AddMinutes(16));

        var blob = new BlobClient(url);
        await blob.UploadAsync(BinaryData.FromBytes(bytes));

        await AssertForbiddenAsync(() => blob.UploadAsync(BinaryData.FromString("other"), overwrite: true)); // no overwrite
        await AssertForbiddenAsync(() => blob.DownloadContentAsync());                                     // no read
        await AssertForbiddenAsync(() => blob.DeleteAsync());                                              // no delete
        var container = new BlobContainerClient(new UriBuilder(url) { Path = string.Join('/', url.AbsolutePath.Split('/')[..3]) }.Uri);
        await AssertForbiddenAsync(async () =>
        {
            await foreach (var _ in container.GetBlobsAsync())
            {
                break;
            }
        });                                                                                                // no list
        var other = new BlobClient(new UriBuilder(url) { Path = url.AbsolutePath + "-other" }.Uri);
        await AssertForbiddenAsync(() => other.UploadAsync(BinaryData.FromString("x")));                  // no other blob
    }

    [Fact]
    public async Task Grant_ContentAlreadyStored_AsksForNothing()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("stored once");
        await device.BackupAsync(("a/one.txt", bytes));

        var again = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("b/two.txt", bytes.Length, TestDevice.Sha256(bytes))]))).Files);

        Assert.Equal(GrantOutcomes.Stored, again.Outcome);
        Assert.Null(again.UploadUrl);
    }

    [Fact]
    public async Task Grant_WhileSuspended_IsRefusedWithReason_CommitToo()
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var operatorClient = backend.OperatorClient();
        (await operatorClient.PatchAsync($"admin/accounts/{device.AccountId}", JsonContent("""{"status":"suspended"}"""))).EnsureSuccessStatusCode();

        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("x.txt", 3, new string('a', 64))]))).Files);
        Assert.Equal(GrantOutcomes.Refused, grant.Outcome);
        Assert.Contains("suspended", grant.Reason);
        var refused = await Assert.ThrowsAsync<BackazonApiException>(() => device.Api.CommitAsync(new([TestDevice.File("x.txt", [1, 2, 3])])));
        Assert.Equal(409, refused.Status);
        Assert.Equal(0, (await device.AccountAsync()).ReservedBytes);
    }

    [Fact]
    public async Task Grant_PastDue_StillBacksUp()
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var operatorClient = backend.OperatorClient();
        (await operatorClient.PatchAsync($"admin/accounts/{device.AccountId}", JsonContent("""{"status":"past_due"}"""))).EnsureSuccessStatusCode();

        var status = await device.BackupAsync(("grace.txt", [1, 2, 3]));
        Assert.Equal(1, status.Cataloged);
    }

    [Fact]
    public async Task Grant_FileLargerThanPlanAllows_IsRefusedSayingTheLimit()
    {
        using var device = await TestDevice.CreateAsync(backend, "tiny");
        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("big.bin", 700, new string('b', 64))]))).Files);
        Assert.Equal(GrantOutcomes.Refused, grant.Outcome);
        Assert.Equal("The file is 700 B; the Tiny plan takes files up to 600 B.", grant.Reason);
    }

    [Fact]
    public async Task Grant_QuotaReached_IsRefusedSayingUsage()
    {
        using var device = await TestDevice.CreateAsync(backend, "tiny");
        await device.BackupAsync(("a.bin", new byte[600]));
        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("b.bin", 500, new string('c', 64))]))).Files);
        Assert.Equal(GrantOutcomes.Refused, grant.Outcome);
        Assert.StartsWith("Quota reached: the Tiny plan holds 1 KB and 600 B is used or uploading", grant.Reason);
    }

    [Fact]
    public async Task Grant_TwoDevicesAtOnce_NeverOvershootTheQuota()
    {
        var account = await backend.CreateAccountAsync("tiny");
        using var first = await TestDevice.EnrollAsync(backend, account.Id);
        using var second = await TestDevice.EnrollAsync(backend, account.Id);
        List<GrantFile> Files(string prefix) => Enumerable.Range(0, 10)
            .Select(i => new GrantFile($"{prefix}/{i}.bin", 150, TestDevice.Sha256(Encoding.UTF8.GetBytes(prefix + i)))).ToList();

        var answers = await Task.WhenAll(
            first.Api.RequestGrantsAsync(new(Files("one"))), second.Api.RequestGrantsAsync(new(Files("two"))),
            first.Api.RequestGrantsAsync(new(Files("three"))), second.Api.RequestGrantsAsync(new(Files("four"))));

        var granted = answers.SelectMany(a => a.Files).Where(f => f.Outcome == GrantOutcomes.Upload).ToList();
        Assert.Equal(6, granted.Count); // 6 × 150 = 900 ≤ 1000 < 7 × 150
        Assert.Equal(900, (await first.AccountAsync()).ReservedBytes);
        Assert.All(answers.SelectMany(a => a.Files).Where(f => f.Outcome != GrantOutcomes.Upload), f => Assert.StartsWith("Quota reached", f.Reason));
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task AssertForbiddenAsync(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<RequestFailedException>(call);
        Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);
    }
}
