using System.Text;
using Azure.Storage.Blobs;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// The grant's ledger is a shortcut, never a source of truth: a commit naming a ledger whose rows
/// changed since (or one that does not exist) is still checked exactly once, and a ledger no
/// commit named is deleted by the grant sweeper.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class GrantLedgerTests(BackendFixture backend)
{
    [Fact]
    public async Task Commit_NamingAStaleOrUnknownLedger_IsCheckedAndCountedOnce()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes($"granted twice {Guid.NewGuid()}");
        var file = new GrantFile("twice.txt", bytes.Length, TestDevice.Sha256(bytes));
        var first = await GrantAndUploadAsync(device, "twice.txt", bytes);
        // Asked again (a rerun after a kill): the row is renewed, so the first ledger's ETag is stale.
        var second = await device.Api.RequestGrantsAsync(new UploadGrantRequest([file]));
        Assert.NotEqual(first.GrantId, second.GrantId);

        var commit = await device.Api.CommitAsync(new CommitRequest([TestDevice.File("twice.txt", bytes)], GrantIds: [first.GrantId!, new string('0', 24)]));
        var status = await device.WaitAsync(commit.CommitId);

        Assert.Equal((1, 0), (status.Cataloged, status.Rejected.Count));
        var account = await device.AccountAsync();
        Assert.Equal((bytes.Length, 0L), (account.UsedBytes, account.ReservedBytes));
    }

    [Fact]
    public async Task Commit_NamingALedgerWhoseContentWasCheckedSince_CountsItOnce_AndCallsOffItsRelease()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes($"checked before its commit {Guid.NewGuid()}");
        var grant = await GrantAndUploadAsync(device, "early.txt", bytes);
        // As the grant sweeper would: checked and counted with no version yet, so flagged for a release check.
        var verifier = backend.App.Services.GetRequiredService<Backend.Content.ContentVerifier>();
        Assert.Equal(Backend.Content.VerificationResult.Verified, (await verifier.EnsureAsync(device.AccountId, TestDevice.Sha256(bytes))).Result);

        var status = await device.WaitAsync((await device.Api.CommitAsync(new CommitRequest([TestDevice.File("early.txt", bytes)], GrantIds: [grant.GrantId!]))).CommitId);

        Assert.Equal(1, status.Cataloged);
        var account = await device.AccountAsync();
        Assert.Equal((bytes.Length, 0L), (account.UsedBytes, account.ReservedBytes));
        var row = await backend.Storage.Tables.GetTableClient(StorageNames.AccountsTable)
            .GetEntityAsync<ContentEntity>(device.AccountId, ContentEntity.RowFor(TestDevice.Sha256(bytes)));
        Assert.Null(row.Value.CheckReferencesAfter); // a version points at it now: no release may take it
    }

    [Fact]
    public async Task LedgerThatDisagreesWithTheStoredRow_NeverGetsTheUploadRemoved()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes($"the row says otherwise {Guid.NewGuid()}");
        var grant = await GrantAndUploadAsync(device, "kept.txt", bytes);
        // The ledger is out of date with a size the upload does not have (what a released and
        // granted-again row would leave): only the stored row may decide a mismatch.
        var ledger = backend.Storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(GrantLedger.BlobName(device.AccountId, grant.GrantId!));
        var entries = (await ledger.DownloadContentAsync()).Value.Content.ToObjectFromJson<List<GrantLedgerEntry>>(CommitService.Json)!;
        await ledger.UploadAsync(BinaryData.FromObjectAsJson(entries.Select(e => e with { Size = e.Size + 1 }).ToList(), CommitService.Json), overwrite: true);

        var status = await device.WaitAsync((await device.Api.CommitAsync(new CommitRequest([TestDevice.File("kept.txt", bytes)], GrantIds: [grant.GrantId!]))).CommitId);

        Assert.Equal((1, 0), (status.Cataloged, status.Rejected.Count));
        Assert.True(await backend.App.Services.GetRequiredService<Backend.Content.ContentBlobs>().Blob(device.AccountId, TestDevice.Sha256(bytes)).ExistsAsync());
    }

    [Fact]
    public async Task LedgerNoCommitNamed_IsDeletedByTheGrantSweeper()
    {
        using var sim = RetentionHarness.Create(backend);
        var device = await sim.NewDeviceAsync();
        var bytes = Encoding.UTF8.GetBytes($"never committed {Guid.NewGuid()}");
        var answer = await sim.Get<UploadGrantService>().GrantAsync(device, new UploadGrantRequest([new GrantFile("lost.txt", bytes.Length, RetentionHarness.Sha256(bytes))]));
        var ledger = sim.Storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(GrantLedger.BlobName(device.AccountId, answer.GrantId!));
        Assert.True(await ledger.ExistsAsync());

        await sim.Get<GrantSweeper>().SweepAsync();
        Assert.True(await ledger.ExistsAsync()); // the device may still commit
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.Get<GrantSweeper>().SweepAsync();

        Assert.False(await ledger.ExistsAsync());
    }

    /// <summary>Asks for one file's grant and uploads it, without committing.</summary>
    private static async Task<UploadGrantResponse> GrantAndUploadAsync(TestDevice device, string path, byte[] bytes)
    {
        var grant = await device.Api.RequestGrantsAsync(new UploadGrantRequest([new GrantFile(path, bytes.Length, TestDevice.Sha256(bytes))]));
        await new BlobClient(new Uri(grant.Files[0].UploadUrl!)).UploadAsync(BinaryData.FromBytes(bytes));
        return grant;
    }
}
