using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Scanning;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// Every storage request of a backup's path — grants, commit, the catalog's check and writes —
/// fails once, in turn (before it is carried out, or after with its answer lost). Whatever the
/// faulted run did, the next run ends with the catalog exactly like the tree, usage exactly the
/// content's bytes, and no grant or blob left over.
/// </summary>
[Collection(FaultyBackendCollection.Name)]
public sealed class StorageFaultTests(FaultyBackendFixture backend, ITestOutputHelper output) : IDisposable
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-faults-").FullName;

    [Fact]
    public async Task Backup_WithAFaultAtEachStorageRequest_NextRunEndsExact()
    {
        var files = new Dictionary<string, byte[]>
        {
            [Path.Combine(_tree, "a.txt")] = "alpha"u8.ToArray(),
            [Path.Combine(_tree, "docs", "b.txt")] = "beta, a little longer"u8.ToArray(),
            [Path.Combine(_tree, "docs", "big.bin")] = RandomBytes((int)BackupLimits.SinglePutMaxBytes + 1024 * 1024),
        };
        foreach (var (path, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
        }

        var steps = await HealthyRunCostsAsync();
        output.WriteLine($"a healthy backup makes {steps} storage requests");
        foreach (var kind in new[] { FaultKind.Fail, FaultKind.DropResponse })
        {
            for (var nth = 1; nth <= steps; nth++)
            {
                using var machine = await CliHarness.EnrollAsync(backend);
                backend.Faults.Arm(nth, kind);
                var faulted = await machine.RunAsync("backup", _tree);
                backend.Faults.Disarm();

                var next = await machine.RunAsync("backup", _tree);
                var where = $"{kind} at request {nth} (faulted run exit {faulted.Code}: {faulted.Error.Trim()})";
                Assert.True(next.Code == 0, $"{where}; next run: exit {next.Code} {next.Error}");
                await AssertExactAsync(machine, files, where);
            }
        }
    }

    private async Task<int> HealthyRunCostsAsync()
    {
        using var machine = await CliHarness.EnrollAsync(backend);
        backend.Faults.Count();
        Assert.Equal(0, (await machine.RunAsync("backup", _tree)).Code);
        return backend.Faults.Seen;
    }

    private async Task AssertExactAsync(CliHarness machine, Dictionary<string, byte[]> files, string where)
    {
        var accountId = machine.Device.AccountId;
        var listed = (await machine.Api.ListCatalogAsync(null, CatalogPath.FromLocal(_tree), null, false, true, null)).Items
            .Where(i => i.Kind == EntryKinds.File).ToDictionary(i => i.Path, i => i.Hash);
        Assert.True(files.ToDictionary(f => CatalogPath.FromLocal(f.Key), f => (string?)TestDevice.Sha256(f.Value)).OrderBy(f => f.Key).SequenceEqual(listed.OrderBy(f => f.Key)),
            $"{where}: the catalog is not the tree");

        // Read around the backend (its clients carry the faults) to check what it left.
        var rows = new TableClient(backend.ConnectionString, StorageNames.AccountsTable);
        var account = (await rows.GetEntityAsync<TableEntity>(accountId, "account")).Value;
        var contents = new List<ContentEntity>();
        await foreach (var row in rows.QueryAsync<ContentEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {ContentEntity.RowPrefix} and RowKey lt {"content;"}")))
        {
            contents.Add(row);
        }

        var blobs = new List<string>();
        await foreach (var blob in new BlobContainerClient(backend.ConnectionString, StorageNames.ContentContainer).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, accountId + "/", CancellationToken.None))
        {
            blobs.Add(blob.Name);
        }

        var expected = files.Values.Select(TestDevice.Sha256).Order(StringComparer.Ordinal).ToList();
        Assert.True(contents.All(c => c.IsVerified), $"{where}: a grant is left: {string.Join(", ", contents.Where(c => !c.IsVerified).Select(c => c.Hash))}");
        Assert.Equal(expected, contents.Select(c => c.Hash).Order(StringComparer.Ordinal));
        Assert.Equal(expected.Select(h => ContentBlobs.Name(accountId, h)), blobs.Order(StringComparer.Ordinal));
        Assert.True(files.Values.Sum(b => (long)b.Length) == account.GetInt64("UsedBytes") && account.GetInt64("ReservedBytes") == 0,
            $"{where}: usage {account.GetInt64("UsedBytes")} used, {account.GetInt64("ReservedBytes")} reserved");
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => Directory.Delete(_tree, recursive: true);
}
