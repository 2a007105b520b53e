using System.Security.Cryptography;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using static Backazon.IntegrationTests.Infrastructure.BigFiles;
using Backazon.Uploader.Scanning;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// A 1 GiB file edited in place and then shifted by an insertion: the real CLI sends only the
/// changed chunks (counted on its wire, API bodies included), the backend builds each version
/// server-side and reads back only what was sent (counted on its clients), and every version
/// restores byte for byte, through its signed link and through "backazon restore".
/// </summary>
[Collection(CountedBackendCollection.Name)]
public sealed class ChangedBytesTests(CountedBackendFixture backend, ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private const long Size = 1024 * MiB;
    private const long MostSentPerEdit = 3 * MiB;

    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-restore-").FullName;
    private CliHarness _machine = null!;

    private string BigFile => Path.Combine(_tree, "disk.img");

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_target, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task BigFile_EditedThenShifted_SendsOnlyTheChangedChunks_ChecksOnlyThose_AndEveryVersionRestores()
    {
        var random = new Random(15);
        await WriteRandomAsync(BigFile, Size, random);
        var versions = new List<string> { await Sha256Async(BigFile) };
        var whole = await BackupAsync();
        Assert.True(whole.Sent >= Size, $"the first backup sent {whole.Sent:N0} bytes of a {Size:N0}-byte file");

        // 1 MiB overwritten in the middle: same size, one or two chunks differ.
        await using (var file = new FileStream(BigFile, FileMode.Open, FileAccess.Write))
        {
            file.Position = Size / 2;
            await file.WriteAsync(RandomBytes(random, (int)MiB));
        }

        versions.Add(await Sha256Async(BigFile));
        var overwritten = await BackupAsync();

        // 4 KiB inserted near the start: every later byte moves.
        await InsertAsync(BigFile, 64 * 1024, RandomBytes(random, 4096));
        versions.Add(await Sha256Async(BigFile));
        var inserted = await BackupAsync();

        var unchanged = await BackupAsync();

        output.WriteLine($"whole file: sent {whole.Sent:N0} bytes in {whole.Took}; 1 MiB overwritten: sent {overwritten.Sent:N0}, backend read {overwritten.Read:N0}, in {overwritten.Took}; "
            + $"4 KiB inserted: sent {inserted.Sent:N0}, backend read {inserted.Read:N0}, in {inserted.Took}; unchanged: sent {unchanged.ToStorage:N0} to storage in {unchanged.Requests} request(s)");
        foreach (var (name, edit) in new[] { ("1 MiB overwritten", overwritten), ("4 KiB inserted", inserted) })
        {
            Assert.True(edit.Sent < MostSentPerEdit, $"{name}: {edit.Sent:N0} bytes sent; expected under {MostSentPerEdit:N0}");
            Assert.True(edit.Read < Size / 10, $"{name}: the backend's check read {edit.Read:N0} bytes; expected under a tenth of {Size:N0}");
        }

        Assert.Equal((0L, 1), (unchanged.ToStorage, unchanged.Requests)); // nothing to storage; the run report, nothing else

        var path = CatalogPath.FromLocal(BigFile);
        var cataloged = (await _machine.Api.VersionsAsync(null, path)).OrderBy(v => v.VersionAt).ToList();
        Assert.Equal(3, cataloged.Count);
        foreach (var (version, expected) in cataloged.Zip(versions))
        {
            var manifest = await _machine.Api.RestoreManifestAsync(new RestoreRequest([path], null, version.VersionAt, null, null));
            using var http = new HttpClient();
            await using (var link = await http.GetStreamAsync(manifest.Items.Single().DownloadUrl))
            {
                Assert.Equal(expected, Convert.ToHexStringLower(await SHA256.HashDataAsync(link)));
            }

            var into = Path.Combine(_target, version.VersionId!);
            var restore = await _machine.RunAsync("restore", BigFile, "--version", version.VersionId!, "--to", into);
            Assert.True(restore.Code == 0, restore.Out + restore.Error);
            var restored = Path.Combine(into, Path.GetFileName(BigFile));
            Assert.Equal(expected, await Sha256Async(restored));
            File.Delete(restored);
        }
    }

    /// <summary>One backup (the CLI waits for the catalog): bytes sent to storage and the API,
    /// bytes the backend read from blobs, requests to the API, and the time it took.</summary>
    private async Task<(long Sent, long ToStorage, long Read, int Requests, TimeSpan Took)> BackupAsync()
    {
        _machine.Storage.Reset();
        _machine.Requests.Reset();
        backend.Requests.Reset();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await _machine.RunAsync("backup", _tree);
        Assert.True(result.Code == 0, result.Out + result.Error);
        return (_machine.Storage.BytesSent + _machine.Requests.BytesSent, _machine.Storage.BytesSent, backend.Requests.BlobBytesRead, _machine.Requests.Count, clock.Elapsed);
    }

    private static async Task InsertAsync(string path, long at, byte[] inserted)
    {
        var shifted = path + ".new";
        await using (var input = File.OpenRead(path))
        await using (var output = File.Create(shifted))
        {
            var head = new byte[at];
            await input.ReadExactlyAsync(head);
            await output.WriteAsync(head);
            await output.WriteAsync(inserted);
            await input.CopyToAsync(output);
        }

        File.Move(shifted, path, overwrite: true);
    }
}
