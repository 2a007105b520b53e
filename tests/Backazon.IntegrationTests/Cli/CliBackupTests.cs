using System.Security.Cryptography;
using System.Text.Json;
using Backazon.Backend.Catalog;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Cli;

/// <summary>"backazon backup" end to end: the real CLI, in-process, against the local backend
/// over HTTP, on real files.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliBackupTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task Backup_GeneratedTree_CatalogsEveryFileExactly_ThenRerunCostsOneRequest()
    {
        var files = TestTree.Generate(_tree, folders: 12, filesPerFolder: 15, largeFileBytes: 9 * 1024 * 1024);

        var first = await RunAsync("backup", _tree, "--json");
        Assert.Equal(0, first.Code);

        var catalog = await CatalogAsync();
        Assert.Equal(files.Count, catalog.Count(i => i.Kind == EntryKinds.File));
        foreach (var (path, bytes) in files)
        {
            var item = catalog.Single(i => i.Path == CatalogPath.FromLocal(path));
            Assert.Equal((bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes))), (item.Size, item.Hash));
        }

        var link = catalog.Single(i => i.Kind == EntryKinds.Symlink);
        Assert.Equal("nested-00", link.LinkTarget);

        _machine.Requests.Count = 0;
        var again = Summary(await RunAsync("backup", _tree, "--json"));
        Assert.Equal(1, _machine.Requests.Count); // the run report, nothing else
        Assert.Equal(0, again.GetProperty("bytesHashed").GetInt64());
        Assert.Equal(0, again.GetProperty("filesSent").GetInt32());
        Assert.Equal(files.Count + 1, again.GetProperty("unchanged").GetInt32());
    }

    [Fact]
    public async Task Backup_RenamedFolder_UploadsNothing_ChangedAndDeletedFilesAreRecorded()
    {
        var files = TestTree.Generate(_tree, folders: 3, filesPerFolder: 20, largeFileBytes: 0);
        Assert.Equal(0, (await RunAsync("backup", _tree)).Code);
        var before = await CatalogAsync();

        Directory.Move(Path.Combine(_tree, "nested-01"), Path.Combine(_tree, "renamed"));
        var changed = files.Keys.First(p => p.Contains("nested-02"));
        await File.WriteAllTextAsync(changed, "new content");
        var removed = files.Keys.Last(p => p.Contains("nested-02"));
        File.Delete(removed);

        var summary = Summary(await RunAsync("backup", _tree, "--json"));

        Assert.Equal(1, summary.GetProperty("filesSent").GetInt32()); // only the changed content
        var after = await CatalogAsync();
        Assert.Equal(before.Count(i => i.Path.Contains("/nested-01/")), after.Count(i => i.Path.Contains("/renamed/")));
        Assert.DoesNotContain(after, i => i.Path.Contains("/nested-01/"));
        Assert.DoesNotContain(after, i => i.Path == CatalogPath.FromLocal(removed));
        Assert.Equal(11, after.Single(i => i.Path == CatalogPath.FromLocal(changed)).Size);
    }

    [Fact]
    public async Task Status_AfterABackupOfAFolderNamedByHand_ShowsThatBackup_NotNone()
    {
        TestTree.Generate(_tree, folders: 1, filesPerFolder: 3, largeFileBytes: 0);
        Assert.Equal(0, (await RunAsync("backup", _tree)).Code);

        var json = JsonDocument.Parse((await RunAsync("status", "--json")).Out).RootElement;
        var text = (await RunAsync("status")).Out;

        var startedAt = json.GetProperty("lastRun").GetProperty("startedAt").GetDateTimeOffset();
        Assert.Equal(startedAt, json.GetProperty("lastSuccessfulBackupAt").GetDateTimeOffset());
        Assert.DoesNotContain("no complete backup yet", text);
        Assert.Contains("last complete backup started", text);
        Assert.Contains(Path.GetFileName(_tree), text); // of which folders: not the configured ones
    }

    [Fact]
    public async Task Backup_WhoseCommitStatusPollFailsOnce_StillCompletes()
    {
        var files = TestTree.Generate(_tree, folders: 1, filesPerFolder: 5, largeFileBytes: 0);
        var failed = 0;
        _machine.Requests.Before = request =>
        {
            // The first question about a commit meets a dropped connection; the commit landed.
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/backups/commits/") && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new HttpRequestException("connection reset by peer");
            }

            return Task.CompletedTask;
        };

        var result = await RunAsync("backup", _tree);

        Assert.True(result.Code == 0, result.Out + result.Error);
        Assert.Equal(1, failed);
        await CatalogAssert.ExactlyAsync(_machine.Api, _tree, files);
    }

    [Fact]
    public async Task Backup_UnreadableFile_IsSkippedAndListed_RestCompletesWithExitCode3()
    {
        TestTree.Generate(_tree, folders: 1, filesPerFolder: 5, largeFileBytes: 0);
        var fifo = Path.Combine(_tree, "a-fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var result = await RunAsync("backup", _tree);

        Assert.Equal(ExitCodes.CompletedWithSkips, result.Code);
        Assert.Contains($"skipped {fifo}", result.Out);
        Assert.Equal(5, (await CatalogAsync()).Count(i => i.Kind == EntryKinds.File));
    }

    [Fact]
    public async Task Backup_FilesAtTheSinglePutSizeAndJustAbove_AreSentAndCataloged()
    {
        var limit = (int)BackupLimits.SinglePutMaxBytes;
        var at = new byte[limit];
        var above = new byte[limit + 1];
        Random.Shared.NextBytes(at);
        Random.Shared.NextBytes(above);
        await File.WriteAllBytesAsync(Path.Combine(_tree, "at-the-limit.bin"), at);
        await File.WriteAllBytesAsync(Path.Combine(_tree, "just-above.bin"), above);

        var result = await RunAsync("backup", _tree, "--json");

        Assert.Equal(0, result.Code);
        Assert.Equal(2, (await CatalogAsync()).Count(i => i.Kind == EntryKinds.File));
        Assert.Equal(at.Length + above.Length, Summary(result).GetProperty("bytesSent").GetInt64());
    }

    [Fact]
    public async Task Backup_DryRun_SaysWhatWouldBeSentAndSendsNothing()
    {
        await File.WriteAllTextAsync(Path.Combine(_tree, "one.txt"), "one");
        await File.WriteAllTextAsync(Path.Combine(_tree, "two.txt"), "two, longer");
        var requests = _machine.Requests.Count;

        var result = await RunAsync("backup", _tree, "--dry-run");

        Assert.Equal(ExitCodes.Success, result.Code);
        Assert.StartsWith("Dry run: 2 new, 0 changed, 0 unchanged, 0 deleted; 14 B to read in 1 batch(es)", result.Out);
        Assert.Equal(requests, _machine.Requests.Count);
        Assert.Empty(await CatalogAsync());
        Assert.StartsWith("Dry run: 2 new", (await RunAsync("backup", _tree, "--dry-run")).Out); // it recorded nothing either
    }

    [Fact]
    public async Task Backup_NoFoldersLeftInConfig_SaysHowToAddOne()
    {
        new ConfigFolder(_machine.ConfigPath).Write(BackupSettings.FileName, new BackupSettings([], null));
        var result = await RunAsync("backup");
        Assert.Equal(ExitCodes.Failure, result.Code);
        Assert.Equal("No folders to back up: add one with 'backazon include FOLDER'.", result.Error.Trim());
    }

    private Task<List<CatalogItem>> CatalogAsync() =>
        backend.App.Services.GetRequiredService<CatalogWalk>().AllAsync(new CatalogWalkScope(
            _machine.Device.AccountId, _machine.Device.DeviceId, CatalogPath.FromLocal(_tree), DateTimeOffset.UtcNow.AddMinutes(1), Recursive: true, IncludeFolders: false, IncludeDeleted: false));

    private static JsonElement Summary((int Code, string Out, string Error) result)
    {
        Assert.True(result.Code == 0, result.Error + result.Out);
        var line = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("messageType").GetString() == "summary");
        return line.GetProperty("summary");
    }

    private Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => _machine.RunAsync(args);

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}
