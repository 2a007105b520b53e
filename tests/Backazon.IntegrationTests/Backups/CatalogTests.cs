using System.Text;
using Azure.Storage.Blobs;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Backazon.IntegrationTests.Backups;

[Collection(BackendCollection.Name)]
public sealed class CatalogTests(BackendFixture backend)
{
    [Fact]
    public async Task Commit_IdReusedWithAnotherBody_Is409_AndTheSameBodyAgainIsTheFirstAnswer()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var first = Encoding.UTF8.GetBytes("first batch");
        var second = Encoding.UTF8.GetBytes("second batch, other changes");
        await device.BackupAsync(("a.txt", first), ("b.txt", second));
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var change = TestDevice.File("a.txt", first);
        var answer = await device.Api.CommitAsync(new CommitRequest([change], id));

        Assert.Equal(answer, await device.Api.CommitAsync(new CommitRequest([change], id)));
        var refused = await Assert.ThrowsAsync<BackazonApiException>(() => device.Api.CommitAsync(new CommitRequest([TestDevice.File("b.txt", second)], id)));
        Assert.Equal(409, refused.Status);
        Assert.Contains("other changes", refused.Message);
    }

    [Fact]
    public async Task Backup_CatalogsVersionCountsUsageAndReleasesReservation()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("first version");

        var status = await device.BackupAsync(("docs/a.txt", bytes));

        Assert.Equal((1, 0), (status.Cataloged, status.Rejected.Count));
        var item = Assert.Single(await device.ListAsync("docs"));
        Assert.Equal(("docs/a.txt", EntryKinds.File, bytes.Length, TestDevice.Sha256(bytes)), (item.Path, item.Kind, item.Size, item.Hash));
        Assert.Equal(CatalogItemKinds.Folder, Assert.Single(await device.ListAsync("")).Kind);
        var account = await device.AccountAsync();
        Assert.Equal((bytes.Length, 0L), (account.UsedBytes, account.ReservedBytes));
        Assert.True(await ContentBlob(device, bytes).ExistsAsync());
        var leftovers = backend.Storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer)
            .GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, device.AccountId + "/", CancellationToken.None);
        await foreach (var blob in leftovers)
        {
            Assert.Fail($"Nothing of a cataloged commit stays in uploads, but {blob.Name} did.");
        }
    }

    [Fact]
    public async Task CatalogMessage_DeliveredTwiceAndRacing_CountsOnce()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("counted once");
        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("once.txt", bytes.Length, TestDevice.Sha256(bytes))]))).Files);
        await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromBytes(bytes));
        var commit = await device.Api.CommitAsync(new([TestDevice.File("once.txt", bytes)]));

        // The queued message races two direct deliveries of the same message, then one more.
        var cataloger = backend.App.Services.GetRequiredService<CommitCataloger>();
        var message = new CatalogMessage(device.AccountId, device.DeviceId, commit.CommitId);
        await Task.WhenAll(cataloger.CatalogAsync(message), cataloger.CatalogAsync(message));
        await device.WaitAsync(commit.CommitId);
        await backend.App.Services.GetRequiredService<CommitService>().EnqueueAsync(message);
        await cataloger.CatalogAsync(message);

        Assert.Equal(bytes.Length, (await device.AccountAsync()).UsedBytes);
        Assert.Single(await backend.App.Services.GetRequiredService<CatalogReader>().VersionsAsync(device.AccountId, device.DeviceId, "once.txt"));
    }

    [Fact]
    public async Task Upload_WithWrongBytes_IsNeverCatalogedAndIsRemoved()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var declared = Encoding.UTF8.GetBytes("what I said");
        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("lie.txt", declared.Length, TestDevice.Sha256(declared))]))).Files);
        var staging = new BlobClient(new Uri(grant.UploadUrl!));
        await staging.UploadAsync(BinaryData.FromString("what I sent")); // same length, other bytes

        var status = await device.CommitAndWaitAsync(TestDevice.File("lie.txt", declared));

        Assert.Equal(0, status.Cataloged);
        var rejected = Assert.Single(status.Rejected);
        Assert.Equal("lie.txt", rejected.Path);
        Assert.Contains("do not match the declared hash", rejected.Reason);
        Assert.Empty(await device.ListAsync(""));
        Assert.False(await ContentBlob(device, declared).ExistsAsync());
        var account = await device.AccountAsync();
        // The grant stands until it expires (the device sends the file again with it); then the
        // sweeper returns the reservation.
        Assert.Equal((0L, (long)declared.Length), (account.UsedBytes, account.ReservedBytes));

        // Sent again properly, it is accepted.
        Assert.Equal(1, (await device.BackupAsync(("lie.txt", declared))).Cataloged);
    }

    [Fact]
    public async Task Commit_NeverUploadedContent_IsRejectedNotCataloged()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var status = await device.CommitAndWaitAsync(TestDevice.File("ghost.txt", Encoding.UTF8.GetBytes("never sent")));
        Assert.Equal(0, status.Cataloged);
        Assert.Contains("never granted", Assert.Single(status.Rejected).Reason);
    }

    [Fact]
    public async Task Commit_OtherAccountsContent_IsRejectedAndItsCommitsAre404()
    {
        using var owner = await TestDevice.CreateAsync(backend);
        using var stranger = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("owner's data");
        await owner.BackupAsync(("mine.txt", bytes));
        var ownerCommit = await owner.Api.CommitAsync(new([new FileChange("gone.txt", EntryKinds.Deleted, 0, null, null, null)]));

        var status = await stranger.CommitAndWaitAsync(TestDevice.File("stolen.txt", bytes));
        Assert.Equal(0, status.Cataloged);
        var notFound = await Assert.ThrowsAsync<BackazonApiException>(() => stranger.Api.CommitStatusAsync(ownerCommit.CommitId));
        Assert.Equal(404, notFound.Status);
        Assert.Equal(0, (await stranger.AccountAsync()).UsedBytes);
    }

    [Fact]
    public async Task Rename_UploadsNothing_AndCatalogShowsNewPath()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("moved around");
        await device.BackupAsync(("old/name.txt", bytes));
        var grant = Assert.Single((await device.Api.RequestGrantsAsync(new([new GrantFile("new/name.txt", bytes.Length, TestDevice.Sha256(bytes))]))).Files);
        Assert.Equal(GrantOutcomes.Stored, grant.Outcome);

        await device.CommitAndWaitAsync(TestDevice.File("new/name.txt", bytes), new FileChange("old/name.txt", EntryKinds.Deleted, 0, null, null, null));

        Assert.Equal("new/name.txt", Assert.Single(await device.ListAsync("new")).Path);
        Assert.Empty(await device.ListAsync("old"));
        var deleted = Assert.Single(await device.ListAsync("old", includeDeleted: true));
        Assert.NotNull(deleted.DeletedAt);
        Assert.Equal(bytes.Length, (await device.AccountAsync()).UsedBytes); // content counted once
    }

    [Fact]
    public async Task Catalog_AsOfEarlierMoment_ShowsTheVersionThen()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var v1 = await device.BackupAsync(("notes.txt", Encoding.UTF8.GetBytes("v1")));
        var between = DateTimeOffset.UtcNow;
        await device.BackupAsync(("notes.txt", Encoding.UTF8.GetBytes("v2 longer")));

        Assert.Equal(2, Assert.Single(await device.ListAsync("", between)).Size);
        Assert.Equal(9, Assert.Single(await device.ListAsync("")).Size);
        Assert.Equal(1, v1.Cataloged);
    }

    [Fact]
    public async Task Catalog_StoresAnyNameExactly_NfcAndNfdDistinct_LongAndOddCharacters()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var nfc = "caf\u00e9.txt";
        var nfd = "cafe\u0301.txt";
        var odd = "we#ird?%|~\\name \U0001F600.txt";
        var longName = new string('n', 240) + "\u00e9\u00e9\u00e9";
        var deep = string.Join('/', Enumerable.Range(0, 60).Select(i => $"level{i:D2}")) + "/leaf.txt";
        await device.BackupAsync(($"u/{nfc}", [1]), ($"u/{nfd}", [2]), ($"u/{odd}", [3]), ($"u/{longName}", [4]), (deep, [5]));

        var listed = (await device.ListAsync("u")).Select(i => i.Path).ToList();
        Assert.Equal(new[] { $"u/{nfc}", $"u/{nfd}", $"u/{odd}", $"u/{longName}" }.Order(StringComparer.Ordinal), listed);
        Assert.Equal(deep, Assert.Single(await device.ListAsync(deep[..deep.LastIndexOf('/')])).Path);
    }

    [Fact]
    public async Task Sweep_AbandonedGrants_VerifyWhatArrivedAndReleaseTheRest()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var arrived = Encoding.UTF8.GetBytes("uploaded but never committed");
        var never = Encoding.UTF8.GetBytes("never uploaded");
        var grants = await device.Api.RequestGrantsAsync(new([
            new GrantFile("arrived.txt", arrived.Length, TestDevice.Sha256(arrived)),
            new GrantFile("never.txt", never.Length, TestDevice.Sha256(never))]));
        await new BlobClient(new Uri(grants.Files[0].UploadUrl!)).UploadAsync(BinaryData.FromBytes(arrived));
        Assert.Equal(arrived.Length + never.Length, (await device.AccountAsync()).ReservedBytes);

        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(2));
        var sweeper = ActivatorUtilities.CreateInstance<GrantSweeper>(backend.App.Services, later);
        await sweeper.SweepAsync();

        var account = await device.AccountAsync();
        Assert.Equal((arrived.Length, 0L), (account.UsedBytes, account.ReservedBytes));
        var next = await device.Api.RequestGrantsAsync(new([
            new GrantFile("arrived.txt", arrived.Length, TestDevice.Sha256(arrived)),
            new GrantFile("never.txt", never.Length, TestDevice.Sha256(never))]));
        Assert.Equal([GrantOutcomes.Stored, GrantOutcomes.Upload], next.Files.Select(f => f.Outcome));
    }

    private BlobClient ContentBlob(TestDevice device, byte[] bytes) =>
        backend.Storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer).GetBlobClient(ContentBlobs.Name(device.AccountId, TestDevice.Sha256(bytes)));
}
