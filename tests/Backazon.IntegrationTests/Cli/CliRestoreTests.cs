using System.Net;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Restoring;
using Backazon.Uploader.Scanning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Backazon.IntegrationTests.Cli;

/// <summary>"backazon restore", "ls", "versions" and "link", end to end on real files.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliRestoreTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-restore-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task Restore_IntoEmptyFolder_IsByteIdenticalWithTimesLinksEmptyFilesAndUnicodeNames()
    {
        var files = TestTree.Generate(_tree, folders: 4, filesPerFolder: 12, largeFileBytes: 6 * 1024 * 1024);
        File.SetLastWriteTimeUtc(files.Keys.First(), new DateTime(2020, 2, 29, 12, 34, 56, DateTimeKind.Utc));
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);

        var restore = await _machine.RunAsync("restore", _tree, "--to", _target);

        Assert.True(restore.Code == 0, restore.Out + restore.Error);
        var restoredRoot = Path.Combine(_target, Path.GetFileName(_tree));
        foreach (var (path, bytes) in files)
        {
            var restored = Path.Combine(restoredRoot, Path.GetRelativePath(_tree, path));
            Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(restored)));
            Assert.Equal(File.GetLastWriteTimeUtc(path), File.GetLastWriteTimeUtc(restored));
        }

        Assert.Equal("nested-00", new FileInfo(Path.Combine(restoredRoot, "link-to-folder")).LinkTarget);
        Assert.Empty(Directory.GetFiles(_target, ".bkz-*.partial", SearchOption.AllDirectories));

        // Run again: everything is already identical, nothing is downloaded.
        var again = await _machine.RunAsync("restore", _tree, "--to", _target, "--json");
        Assert.Contains("\"bytesReceived\":0", again.Out);
        Assert.Contains($"\"identical\":{files.Count + 1}", again.Out); // and the link
    }

    [Fact]
    public async Task Restore_OfAFileAtTheEndOfA4000CharacterPath_WorksInPlaceAndUnderTo()
    {
        // Twenty folders of 195 characters: the file's path is about 4,000 characters long,
        // close to Linux's 4,096 (each name stays under the 255 a folder name may have).
        var folder = _tree;
        for (var i = 0; folder.Length < 3_991; i++)
        {
            folder = Path.Combine(folder, $"{i:D2}" + new string('d', Math.Min(193, 3_991 - folder.Length - 3)));
        }

        Directory.CreateDirectory(folder);
        var deep = Path.Combine(folder, "deep.txt");
        await File.WriteAllTextAsync(deep, "at the bottom");
        Assert.True(deep.Length >= 4_000, $"{deep.Length} characters");
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);

        File.Delete(deep);
        var inPlace = await _machine.RunAsync("restore", deep);
        Assert.True(inPlace.Code == 0, inPlace.Out + inPlace.Error);
        Assert.Equal("at the bottom", await File.ReadAllTextAsync(deep));

        var under = await _machine.RunAsync("restore", deep, "--to", _target);
        Assert.True(under.Code == 0, under.Out + under.Error);
        var restored = Directory.GetFiles(_target, "deep.txt", SearchOption.AllDirectories);
        Assert.Equal("at the bottom", await File.ReadAllTextAsync(Assert.Single(restored)));
    }

    [Fact]
    public async Task Restore_AtFirstBackupTime_BringsBackOldContentsAndDeletedFiles()
    {
        var files = TestTree.Generate(_tree, folders: 2, filesPerFolder: 6, largeFileBytes: 0);
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);
        var firstBackup = DateTimeOffset.UtcNow;
        var edited = files.Keys.First(p => new FileInfo(p).Length > 0);
        var deleted = files.Keys.Last();
        await File.WriteAllTextAsync(edited, "edited later");
        File.Delete(deleted);
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);

        var listing = await _machine.RunAsync("ls", Path.GetDirectoryName(deleted)!, "--deleted");
        Assert.Contains("(deleted ", listing.Out);
        var versions = await _machine.RunAsync("versions", edited);
        Assert.Equal(2, versions.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var restore = await _machine.RunAsync("restore", _tree, "--to", _target, "--at", firstBackup.ToString("O"));

        Assert.Equal(0, restore.Code);
        var root = Path.Combine(_target, Path.GetFileName(_tree));
        Assert.Equal(files[edited], await File.ReadAllBytesAsync(Path.Combine(root, Path.GetRelativePath(_tree, edited))));
        Assert.Equal(files[deleted], await File.ReadAllBytesAsync(Path.Combine(root, Path.GetRelativePath(_tree, deleted))));
    }

    [Fact]
    public async Task Restore_FromAFreshlyEnrolledSecondDevice_GetsTheFirstDevicesFiles()
    {
        var files = TestTree.Generate(_tree, folders: 2, filesPerFolder: 5, largeFileBytes: 0);
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);
        using var newComputer = await CliHarness.EnrollAsync(backend, _machine.Device.AccountId);

        var restore = await newComputer.RunAsync("restore", _tree, "--to", _target, "--device", _machine.Device.DeviceId);

        Assert.True(restore.Code == 0, restore.Error);
        var root = Path.Combine(_target, Path.GetFileName(_tree));
        Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllBytes(Path.Combine(root, Path.GetRelativePath(_tree, f.Key)))));
    }

    [Fact]
    public async Task Restore_InterruptedPartialFile_ContinuesWhereItStoppedAndVerifies()
    {
        var large = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(large);
        var source = Path.Combine(_tree, "large.bin");
        await File.WriteAllBytesAsync(source, large);
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);

        // What an interrupted run leaves: the first 3 MiB in the partial file beside the target.
        var folder = Path.Combine(_target, Path.GetFileName(_tree));
        Directory.CreateDirectory(folder);
        var partial = Path.Combine(folder, RestoreRunner.PartialName("large.bin"));
        await File.WriteAllBytesAsync(partial, large[..(3 * 1024 * 1024)]);

        var resumed = await _machine.RunAsync("restore", _tree, "--to", _target, "--json");

        Assert.Equal(0, resumed.Code);
        Assert.Contains($"\"bytesReceived\":{5 * 1024 * 1024}", resumed.Out); // only the rest was fetched
        Assert.Equal(large, await File.ReadAllBytesAsync(Path.Combine(folder, "large.bin")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task Restore_CanceledMidFile_ThenRerun_ResumesAndVerifies()
    {
        var large = new byte[16 * 1024 * 1024];
        new Random(11).NextBytes(large);
        await File.WriteAllBytesAsync(Path.Combine(_tree, "big.bin"), large);
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);
        using var client = new BackazonClient(backend.BaseAddress, _machine.Device.Token);
        var options = new RestoreOptions(_target, Overwrite: false, DeviceId: null, At: null);
        var selection = new[] { CatalogPath.FromLocal(_tree) };

        // Interrupted as soon as the first bytes are on disk.
        using var interrupt = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new RestoreRunner(client, new CancelOnFirstBytes(interrupt)).RunAsync(selection, options, interrupt.Token));
        var partial = Path.Combine(_target, Path.GetFileName(_tree), RestoreRunner.PartialName("big.bin"));
        var leftBehind = new FileInfo(partial).Length;
        Assert.InRange(leftBehind, 1, large.Length - 1);

        var rerun = await new RestoreRunner(client, new CancelOnFirstBytes(null)).RunAsync(selection, options);

        Assert.True(rerun.Complete);
        Assert.Equal(large.Length - leftBehind, rerun.BytesReceived);
        Assert.Equal(large, await File.ReadAllBytesAsync(Path.Combine(_target, Path.GetFileName(_tree), "big.bin")));
    }

    /// <summary>A progress view that stands in for Ctrl+C the moment bytes arrive.</summary>
    private sealed class CancelOnFirstBytes(CancellationTokenSource? interrupt) : IRestoreProgress
    {
        public void Planned(int files, long bytes) { }
        public void Received(long bytes) => interrupt?.Cancel();
        public void Done(string path, RestoreOutcome outcome, string? detail) { }
        public void Finished(RestoreSummary summary) { }
    }

    [Fact]
    public async Task Restore_CorruptPartialFile_IsCaughtByTheHashAndNothingIsWritten()
    {
        await File.WriteAllBytesAsync(Path.Combine(_tree, "data.bin"), new byte[100_000]);
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);
        var folder = Path.Combine(_target, Path.GetFileName(_tree));
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, RestoreRunner.PartialName("data.bin")), [1, 2, 3]);

        var first = await _machine.RunAsync("restore", _tree, "--to", _target);
        Assert.Equal(ExitCodes.CompletedWithSkips, first.Code);
        Assert.Contains("did not match the cataloged hash", first.Out);
        Assert.False(File.Exists(Path.Combine(folder, "data.bin")));

        Assert.Equal(0, (await _machine.RunAsync("restore", _tree, "--to", _target)).Code);
        Assert.Equal(new byte[100_000], await File.ReadAllBytesAsync(Path.Combine(folder, "data.bin")));
    }

    [Fact]
    public async Task Restore_DifferentFileInTheWay_IsKeptUnlessOverwrite()
    {
        await File.WriteAllTextAsync(Path.Combine(_tree, "notes.txt"), "backed up");
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);
        var local = Path.Combine(_target, Path.GetFileName(_tree), "notes.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        await File.WriteAllTextAsync(local, "someone else's");

        var kept = await _machine.RunAsync("restore", _tree, "--to", _target);
        Assert.Equal(ExitCodes.CompletedWithSkips, kept.Code);
        Assert.Equal("someone else's", await File.ReadAllTextAsync(local));

        var replaced = await _machine.RunAsync("restore", _tree, "--to", _target, "--overwrite");
        Assert.Equal(0, replaced.Code);
        Assert.Contains($"replaced {Path.Combine(_tree, "notes.txt")}", replaced.Out); // the user's own path, not the catalog's key
        Assert.Equal("backed up", await File.ReadAllTextAsync(local));
    }

    [Fact]
    public async Task Link_DownloadsTheFileUnderItsName_ReadOnly_AndStopsAtExpiry()
    {
        var path = Path.Combine(_tree, "Résumé 2026.txt");
        await File.WriteAllTextAsync(path, "hire me");
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);

        var link = await _machine.RunAsync("link", path);

        Assert.Equal(0, link.Code);
        using var http = new HttpClient();
        var response = await http.GetAsync(link.Out.Trim());
        Assert.Equal("hire me", await response.Content.ReadAsStringAsync());
        Assert.Equal("Résumé 2026.txt", response.Content.Headers.ContentDisposition?.FileNameStar);
        var write = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => new BlobClient(new Uri(link.Out.Trim())).UploadAsync(BinaryData.FromString("overwrite"), overwrite: true));
        Assert.Equal((int)HttpStatusCode.Forbidden, write.Status);

        // The same kind of link, signed two hours ago for one minute, no longer works.
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var issuer = new SasIssuer(backend.Storage, backend.App.Services.GetRequiredService<IOptions<SasOptions>>(), past);
        var blob = new BlobClient(new Uri(new Uri(link.Out.Trim()).GetLeftPart(UriPartial.Path)));
        var expired = await issuer.DownloadUrlAsync(backend.Storage.Blobs.GetBlobContainerClient(blob.BlobContainerName).GetBlobClient(blob.Name), "x", TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(expired.Url)).StatusCode);
    }

    [Fact]
    public async Task OtherAccount_CannotListOrLinkAnything_404()
    {
        await File.WriteAllTextAsync(Path.Combine(_tree, "private.txt"), "mine");
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);
        using var stranger = new TestDevice(backend, await backend.NewDeviceAsync());
        var path = CatalogPath.FromLocal(Path.Combine(_tree, "private.txt"));

        var list = await Assert.ThrowsAsync<BackazonApiException>(() => stranger.Api.ListCatalogAsync(_machine.Device.DeviceId, "", null, false, true, null));
        var links = await Assert.ThrowsAsync<BackazonApiException>(() => stranger.Api.RestoreManifestAsync(new RestoreRequest([path], _machine.Device.DeviceId, null, null, null)));
        var versions = await Assert.ThrowsAsync<BackazonApiException>(() => stranger.Api.VersionsAsync(_machine.Device.DeviceId, path));

        Assert.Equal((404, 404, 404), (list.Status, links.Status, versions.Status));
        var ownEmpty = await stranger.Api.ListCatalogAsync(null, "", null, false, true, null);
        Assert.Empty(ownEmpty.Items);
    }

    [Fact]
    public async Task Restore_WhileSuspended_StillWorks()
    {
        await File.WriteAllTextAsync(Path.Combine(_tree, "keep.txt"), "still mine");
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);
        using var operatorClient = backend.OperatorClient();
        (await operatorClient.PatchAsync($"admin/accounts/{_machine.Device.AccountId}",
            new StringContent("""{"status":"suspended"}""", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        Assert.Equal(0, (await _machine.RunAsync("restore", _tree, "--to", _target)).Code);
        Assert.Equal("still mine", await File.ReadAllTextAsync(Path.Combine(_target, Path.GetFileName(_tree), "keep.txt")));
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_target, recursive: true);
        return Task.CompletedTask;
    }
}
