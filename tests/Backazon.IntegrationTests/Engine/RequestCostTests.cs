using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Backazon.Backend.Configuration;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Engine;

/// <summary>What the backend's own work costs in storage requests per file, counted by kind
/// on its clients (the device's own uploads go around it and are not counted).</summary>
[Collection(CountedBackendCollection.Name)]
public sealed class RequestCostTests(CountedBackendFixture backend, ITestOutputHelper output)
{
    private const int Files = 300;

    [Fact]
    public async Task Backup_OfNewSmallFiles_CostsAboutOneStorageRequestPerFile_TheCheckReadsNoRowPerFile()
    {
        using var device = await TestDevice.CreateAsync(backend);

        var counted = await BackUpNewFilesAsync(device, afterCommit: () => { });

        var perFile = (double)counted / Files;
        output.WriteLine($"{counted} storage requests for {Files} new files ({perFile:0.00} per file): {backend.Requests.Describe()}");
        // Per file: the check's download; everything else is batched (grants, counting and
        // catalog rows a transaction per ~100, the grant's ledger, one commit, one message). The
        // check starts from the rows the grant wrote: table reads do not grow with the files.
        Assert.True(perFile <= 1.3, $"{perFile:0.00} storage requests per new file; expected at most 1.3. {backend.Requests.Describe()}");
        Assert.True(backend.Requests.Of("GET table") <= Files / 10, $"{backend.Requests.Of("GET table")} table reads for {Files} files; expected at most one per ten. {backend.Requests.Describe()}");
    }

    [Fact]
    public async Task Commit_WhoseCountLosesTheRaceForTheAccountRow_ReadsNoContentRowAgain()
    {
        using var device = await TestDevice.CreateAsync(backend);

        // Another commit or grant of the account writes its row just before the count does (with
        // several batches in flight, the usual case): the count tries again with the account read
        // again, and its checked rows, untouched, are not read again one by one.
        await BackUpNewFilesAsync(device, afterCommit: () => backend.AccountRace.ArmBeforeNextTransaction(device.AccountId));

        output.WriteLine($"{backend.Requests.Describe()}");
        Assert.Equal(1, backend.AccountRace.Raced);
        Assert.True(backend.Requests.Of("GET table") <= Files / 10, $"{backend.Requests.Of("GET table")} table reads for {Files} files after a lost race; expected at most one per ten. {backend.Requests.Describe()}");
    }

    [Fact]
    public async Task Commit_OfNewFolders_MarksEachWithItsTimeInOneRequest_KnownOnesGetTheirNewTimeMerged()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var first = DateTimeOffset.UtcNow.AddDays(-3);
        var files = Enumerable.Range(0, 5).Select(i => ($"album/{i}/photo.txt", Encoding.UTF8.GetBytes($"photo {i}, {Guid.NewGuid()}"))).ToArray();
        await device.BackupAsync(files);
        var folders = files.Select(f => f.Item1[..f.Item1.LastIndexOf('/')]).Append("album").ToList();
        FileChange Folder(string path, DateTimeOffset at) => new(path, EntryKinds.Folder, 0, null, at, null);

        // The files' first backup made the markers without times: now they are known.
        backend.Requests.Reset();
        await device.WaitAsync((await device.Api.CommitAsync(new CommitRequest(folders.Select(f => Folder(f, first)).ToList()))).CommitId);
        Assert.Equal(folders.Count, backend.Requests.Of("PATCH table"));

        // New folders with their times: one add each, no merge after.
        var newFiles = Enumerable.Range(0, 5).Select(i => ($"scans/{i}/page.txt", Encoding.UTF8.GetBytes($"page {i}, {Guid.NewGuid()}"))).ToArray();
        var grants = await device.Api.RequestGrantsAsync(new UploadGrantRequest(newFiles.Select(f => new GrantFile(f.Item1, f.Item2.Length, TestDevice.Sha256(f.Item2))).ToList()));
        await Parallel.ForEachAsync(grants.Files.Zip(newFiles), async (pair, ct) =>
            await new BlobClient(new Uri(pair.First.UploadUrl!)).UploadAsync(BinaryData.FromBytes(pair.Second.Item2), ct));
        var newFolders = newFiles.Select(f => f.Item1[..f.Item1.LastIndexOf('/')]).Append("scans").ToList();
        backend.Requests.Reset();
        await device.WaitAsync((await device.Api.CommitAsync(new CommitRequest(
            newFiles.Select(f => TestDevice.File(f.Item1, f.Item2) with { IsNew = true }).Concat(newFolders.Select(f => Folder(f, first))).ToList(),
            GrantIds: [grants.GrantId!]))).CommitId);
        output.WriteLine(backend.Requests.Describe());
        Assert.Equal(0, backend.Requests.Of("PATCH table"));

        var catalog = new TableClient(backend.ConnectionString, StorageNames.CatalogTable);
        foreach (var folder in folders.Concat(newFolders))
        {
            var (parent, name) = Backazon.Backend.Catalog.CatalogPathRules.Split(folder);
            var marker = (await catalog.GetEntityAsync<Backazon.Backend.Catalog.CatalogEntity>(
                Backazon.Backend.Catalog.CatalogKeys.Partition(device.AccountId, device.DeviceId, parent), Backazon.Backend.Catalog.CatalogKeys.FolderRow(name))).Value;
            Assert.Equal(first, marker.ModifiedAt);
        }
    }

    /// <summary>Grants, uploads and commits <see cref="Files"/> new small files, and waits until the
    /// commit is cataloged, all of them; returns the storage requests counted from the grant on.</summary>
    private async Task<int> BackUpNewFilesAsync(TestDevice device, Action afterCommit)
    {
        var files = Enumerable.Range(0, Files)
            .Select(i => ($"docs/{i % 10}/file-{i}.txt", Encoding.UTF8.GetBytes($"content of file {i}, {Guid.NewGuid()}")))
            .ToArray();
        backend.Requests.Reset();

        var grants = await device.Api.RequestGrantsAsync(new UploadGrantRequest(files.Select(f => new GrantFile(f.Item1, f.Item2.Length, TestDevice.Sha256(f.Item2))).ToList()));
        await Parallel.ForEachAsync(grants.Files.Zip(files), async (pair, ct) =>
            await new BlobClient(new Uri(pair.First.UploadUrl!)).UploadAsync(BinaryData.FromBytes(pair.Second.Item2), ct));
        var commit = await device.Api.CommitAsync(new CommitRequest(files.Select(f => TestDevice.File(f.Item1, f.Item2) with { IsNew = true }).ToList(),
            GrantIds: [grants.GrantId!]));
        afterCommit();
        // Watched through a client of its own: the device's status polls would be counted, and
        // how many there are depends on the clock, not on the files.
        var watcher = new TableClient(backend.ConnectionString, StorageNames.AccountsTable);
        await Eventually.HoldsAsync(async () =>
            (await watcher.GetEntityAsync<CommitEntity>(device.AccountId, CommitEntity.RowFor(commit.CommitId))).Value.State == CommitStates.Cataloged,
            "the commit is cataloged");
        var counted = backend.Requests.Total;

        Assert.Equal(Files, (await device.Api.CommitStatusAsync(commit.CommitId)).Cataloged);
        return counted;
    }

    [Fact]
    public async Task Commit_SentTwiceWithOneKey_RecordsOneVersion()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var bytes = Encoding.UTF8.GetBytes("committed once, sent twice");
        await device.BackupAsync(("twice.txt", bytes));
        var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var change = TestDevice.File("twice.txt", bytes) with { ModifiedAt = DateTimeOffset.UtcNow };

        var first = await device.Api.CommitAsync(new CommitRequest([change], key));
        var retried = await device.Api.CommitAsync(new CommitRequest([change], key));
        await device.WaitAsync(first.CommitId);

        Assert.Equal((key, first.CommittedAt), (retried.CommitId, retried.CommittedAt));
        var versions = await device.Api.VersionsAsync(null, "twice.txt");
        Assert.Equal(2, versions.Count); // the first backup's version and this one, not three
    }
}
