using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Backazon.Backend.Content;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// Content is checked where a device wrote it, so the check must freeze it: once the backend
/// has read it, no device — not even one still holding a live upload SAS — can change it.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class FrozenContentTests(BackendFixture backend)
{
    [Fact]
    public async Task BlockUpload_RewrittenWithItsLiveSasAfterTheCommit_RestoresTheCheckedBytes()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Random((int)BackupLimits.SinglePutMaxBytes + 1024 * 1024);
        var grant = await GrantAsync(device, "big.bin", bytes);
        Assert.Contains("sp=cw", grant.UploadUrl);
        var blob = new BlockBlobClient(new Uri(grant.UploadUrl!));
        await StageAndCommitAsync(blob, bytes);

        var status = await device.CommitAndWaitAsync(TestDevice.File("big.bin", bytes));
        Assert.Equal(1, status.Cataloged);

        // The device still holds a live write SAS and rewrites the blob: storage lets it, but the
        // backend checked a snapshot, and the snapshot is what every restore reads.
        var forged = Random(bytes.Length);
        await StageAndCommitAsync(blob, forged);
        await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromBytes(forged), overwrite: true);
        await AssertRefusedAsync(() => new BlobClient(new Uri(grant.UploadUrl!)).DeleteAsync(Azure.Storage.Blobs.Models.DeleteSnapshotsOption.IncludeSnapshots));

        var manifest = await device.Api.RestoreManifestAsync(new RestoreRequest(["big.bin"], null, null, null, null));
        var link = Assert.Single(manifest.Items).DownloadUrl!;
        Assert.Contains("snapshot=", link);
        var restored = await new BlobClient(new Uri(link)).DownloadContentAsync();
        Assert.Equal(TestDevice.Sha256(bytes), TestDevice.Sha256(restored.Value.Content.ToArray()));
        await AssertRefusedAsync(() => new BlobClient(new Uri(link)).UploadAsync(BinaryData.FromBytes(forged), overwrite: true));
    }

    [Fact]
    public async Task SinglePutUpload_RewrittenWithItsLiveSas_IsRefused()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("small and final");
        await device.BackupAsync(("small.txt", bytes));
        var grant = await GrantAsync(device, "small-again.txt", Encoding.UTF8.GetBytes("other content, other blob"));
        var sameName = new BlobClient(new UriBuilder(grant.UploadUrl!) { Path = new Uri(grant.UploadUrl!).AbsolutePath[..^64] + TestDevice.Sha256(bytes) }.Uri);

        // A create-only SAS creates its one blob once and cannot overwrite it, nor reach another.
        var own = new BlobClient(new Uri(grant.UploadUrl!));
        await own.UploadAsync(BinaryData.FromString("first"));
        await AssertRefusedAsync(() => own.UploadAsync(BinaryData.FromString("second"), overwrite: true));
        await AssertRefusedAsync(() => sameName.UploadAsync(BinaryData.FromString("forged"), overwrite: true));
        Assert.Equal("small and final", (await Content(device, bytes).DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task Upload_FarLargerThanDeclared_IsRejectedWithoutReadingAndRemoved()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var declared = Encoding.UTF8.GetBytes("ten bytes!");
        var grant = await GrantAsync(device, "liar.txt", declared);
        await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromBytes(Random(3 * 1024 * 1024)));

        var status = await device.CommitAndWaitAsync(TestDevice.File("liar.txt", declared));

        Assert.Equal(0, status.Cataloged);
        Assert.Contains("3,145,728 bytes arrived, 10 were declared", Assert.Single(status.Rejected).Reason);
        Assert.False(await Content(device, declared).ExistsAsync());
        Assert.Equal(0, (await device.AccountAsync()).UsedBytes);
        var counted = await backend.App.Services.GetRequiredService<Backazon.Backend.Accounts.AccountStore>().FindDeviceAsync(device.AccountId, device.DeviceId);
        Assert.Equal((1, 3L * 1024 * 1024), (counted!.RejectedUploads, counted.RejectedBytes));
    }

    [Fact]
    public async Task Device_WhoseUploadsKeepFailingTheCheck_IsRefusedWithAReason()
    {
        using var device = await TestDevice.CreateAsync(backend);
        for (var i = 0; i < Backazon.Backend.Uploads.UploadGrantService.MaxRejectedUploads; i++)
        {
            var declared = Encoding.UTF8.GetBytes($"declared {i}");
            var grant = await GrantAsync(device, $"lie-{i}.txt", declared);
            await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromString($"other {i}!!"));
            Assert.Single((await device.CommitAndWaitAsync(TestDevice.File($"lie-{i}.txt", declared))).Rejected);
        }

        var bytes = Encoding.UTF8.GetBytes("honest at last");
        var refused = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("honest.txt", bytes.Length, TestDevice.Sha256(bytes))]))).Files);

        Assert.Equal(GrantOutcomes.Refused, refused.Outcome);
        Assert.Contains("did not match what it declared", refused.Reason);
    }

    [Fact]
    public async Task BlockUpload_OfWrongBytesThenLeasedForever_IsTakenBack_CountedOnItsDevice_AndTheRestOfTheCommitIsCataloged()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var declared = Random((int)BackupLimits.SinglePutMaxBytes + 1024 * 1024);
        var honest = Encoding.UTF8.GetBytes("an honest file in the same commit");
        var grant = await GrantAsync(device, "big.bin", declared);
        var blob = new BlockBlobClient(new Uri(grant.UploadUrl!));
        await StageAndCommitAsync(blob, Random(declared.Length));
        await blob.GetBlobLeaseClient().AcquireAsync(TimeSpan.FromSeconds(-1)); // infinite, through the device's own SAS
        var small = await GrantAsync(device, "honest.txt", honest);
        await new BlobClient(new Uri(small.UploadUrl!)).UploadAsync(BinaryData.FromBytes(honest));

        var status = await device.CommitAndWaitAsync(TestDevice.File("big.bin", declared), TestDevice.File("honest.txt", honest));

        Assert.Equal(1, status.Cataloged);
        Assert.Equal("big.bin", Assert.Single(status.Rejected).Path);
        Assert.False(await Content(device, declared).ExistsAsync());
        Assert.Equal(1, (await DeviceRowAsync(device)).RejectedUploads);
        Assert.Equal(["honest.txt"], (await device.ListAsync("")).Where(i => i.Kind == EntryKinds.File).Select(i => i.Path.TrimStart('/')));
    }

    [Fact]
    public async Task Upload_GrantedToTwoDevices_ThatFailsTheCheck_CountsAgainstNeither()
    {
        using var first = await TestDevice.CreateAsync(backend);
        using var second = await TestDevice.EnrollAsync(backend, first.AccountId);
        var declared = Encoding.UTF8.GetBytes("the same bytes on two computers");
        var grant = await GrantAsync(first, "shared.txt", declared);
        await GrantAsync(second, "shared.txt", declared); // renews the same content's grant
        await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromString("not what either declared"));

        Assert.Single((await second.CommitAndWaitAsync(TestDevice.File("shared.txt", declared))).Rejected);

        Assert.Equal((0, 0), ((await DeviceRowAsync(first)).RejectedUploads, (await DeviceRowAsync(second)).RejectedUploads));
    }

    [Fact]
    public async Task Device_StoppedByRejections_BacksUpAgain_OnceTheOperatorClearsThem_OrAWeekAfter()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var store = backend.App.Services.GetRequiredService<Backazon.Backend.Accounts.AccountStore>();
        var row = await DeviceRowAsync(device);
        var longAgo = DateTimeOffset.UtcNow - Backazon.Backend.Accounts.DeviceEntity.RejectionWindow - TimeSpan.FromMinutes(1);
        for (var i = 0; i < Backazon.Backend.Uploads.UploadGrantService.MaxRejectedUploads; i++)
        {
            await store.CountRejectedUploadAsync(device.AccountId, device.DeviceId, 1, longAgo);
        }

        // Ten rejections more than a week ago count nothing now.
        Assert.Equal(GrantOutcomes.Upload, (await HonestGrantAsync(device, "a.txt")).Outcome);
        for (var i = 0; i < Backazon.Backend.Uploads.UploadGrantService.MaxRejectedUploads; i++)
        {
            await store.CountRejectedUploadAsync(device.AccountId, device.DeviceId, 1, DateTimeOffset.UtcNow);
        }

        var refused = await HonestGrantAsync(device, "b.txt");
        Assert.Equal(GrantOutcomes.Refused, refused.Outcome);
        Assert.Contains("clears the count", refused.Reason);

        using var http = backend.OperatorClient();
        var cleared = await http.DeleteAsync($"admin/accounts/{device.AccountId}/devices/{device.DeviceId}/rejections");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(GrantOutcomes.Upload, (await HonestGrantAsync(device, "c.txt")).Outcome);
        var unknown = await http.DeleteAsync($"admin/accounts/{device.AccountId}/devices/nosuchdevice/rejections");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<UploadGrant> HonestGrantAsync(TestDevice device, string path)
    {
        var bytes = Encoding.UTF8.GetBytes("honest " + path + Guid.NewGuid());
        return Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile(path, bytes.Length, TestDevice.Sha256(bytes))]))).Files);
    }

    private async Task<Backazon.Backend.Accounts.DeviceEntity> DeviceRowAsync(TestDevice device) =>
        (await backend.App.Services.GetRequiredService<Backazon.Backend.Accounts.AccountStore>().FindDeviceAsync(device.AccountId, device.DeviceId))!;

    private static async Task<UploadGrant> GrantAsync(TestDevice device, string path, byte[] bytes)
    {
        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile(path, bytes.Length, TestDevice.Sha256(bytes))]))).Files);
        Assert.Equal(GrantOutcomes.Upload, grant.Outcome);
        return grant;
    }

    private static async Task StageAndCommitAsync(BlockBlobClient blob, byte[] bytes)
    {
        var ids = new List<string>();
        for (var offset = 0; offset < bytes.Length; offset += 4 * 1024 * 1024)
        {
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"test-{ids.Count:D4}"));
            await blob.StageBlockAsync(id, new MemoryStream(bytes, offset, Math.Min(4 * 1024 * 1024, bytes.Length - offset)));
            ids.Add(id);
        }

        await blob.CommitBlockListAsync(ids);
    }

    private static async Task AssertRefusedAsync(Func<Task> write)
    {
        var refused = await Assert.ThrowsAsync<RequestFailedException>(write);
        Assert.Contains(refused.Status, new[] { (int)HttpStatusCode.Forbidden, (int)HttpStatusCode.Conflict, (int)HttpStatusCode.PreconditionFailed });
    }

    private BlobClient Content(TestDevice device, byte[] bytes) =>
        backend.App.Services.GetRequiredService<ContentBlobs>().Blob(device.AccountId, TestDevice.Sha256(bytes));

    private static byte[] Random(int length)
    {
        var bytes = new byte[length];
        System.Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
