using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Scanning;

namespace Backazon.IntegrationTests.Cli;

/// <summary>#12: progress that tells the truth, restores that bring back what was there, and
/// exclusions as a person means them — each through the real CLI.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliProgressTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-progress-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-progress-to-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task Backup_Json_EndsAtItsTotals_ACopyIsNotSent_ASkippedFileIsNeitherNewNorSent()
    {
        var original = Write("a.txt", "the same bytes twice");
        Write("copy-of-a.txt", "the same bytes twice");
        var refused = Write("refused.txt", "storage refuses these bytes");
        var refusedHash = TestDevice.Sha256(refused);
        var storage = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(new RefuseContent(refusedHash) { InnerHandler = new SocketsHttpHandler() })) };
        var output = new StringWriter();
        var cli = new CliContext(output, new StringWriter(), new ConfigFolder(_machine.ConfigPath)) { StorageOptions = storage };

        var code = await BackazonCli.InvokeAsync(["backup", _tree, "--json"], cli);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var last = lines.Last(l => l.GetProperty("messageType").GetString() == "status");
        var summary = lines.Single(l => l.GetProperty("messageType").GetString() == "summary").GetProperty("summary");
        Assert.Equal(ExitCodes.CompletedWithSkips, code);
        Assert.Equal(2, summary.GetProperty("new").GetInt32()); // the refused file is not new in the catalog
        Assert.Equal(original.Length, summary.GetProperty("bytesSent").GetInt64()); // one copy sent, the refused one not counted
        Assert.Equal(3, last.GetProperty("filesPlanned").GetInt32());
        Assert.Equal(3, last.GetProperty("filesDone").GetInt32()); // the refused one is done with, as skipped
        Assert.Equal(original.Length, last.GetProperty("bytesToSend").GetInt64()); // the copy and the refused need no sending
        Assert.Equal(last.GetProperty("bytesToRead").GetInt64(), last.GetProperty("bytesHashed").GetInt64());
        Assert.Equal(last.GetProperty("entriesCommitted").GetInt32(), last.GetProperty("entriesChecked").GetInt32());
        Assert.Equal(2, last.GetProperty("entriesChecked").GetInt32()); // the two files (the folder's time rides along uncounted)
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix permission bits
    public async Task Restore_BringsBackFileModesAndFolderTimes_AndAnUnchangedRestoreIsACountNotALinePerFile()
    {
        var script = Path.Combine(_tree, "run.sh");
        Write("run.sh", "#!/bin/sh\necho hi\n");
        Write("private.txt", "mine");
        Write("plain.txt", "anyone");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(_tree, "private.txt"), (UnixFileMode)0b110_000_000);
        Write("deep/er/leaf.txt", "down there");
        var times = new Dictionary<string, DateTime>
        {
            [""] = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            ["deep"] = new(2024, 2, 3, 4, 5, 6, DateTimeKind.Utc),
            ["deep/er"] = new(2024, 3, 4, 5, 6, 7, DateTimeKind.Utc),
        };
        foreach (var (folder, time) in times)
        {
            Directory.SetLastWriteTimeUtc(Path.Combine(_tree, folder), time);
        }

        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);

        var manifest = await _machine.Api.RestoreManifestAsync(new RestoreRequest([CatalogPath.FromLocal(_tree)], null, null, null, null));
        // A page says what it holds, not what the whole selection is (that would take walking all
        // of it): the restore plans page by page. This selection is one page of four files.
        Assert.Null(manifest.Continuation);
        var files = manifest.Items.Where(i => i.Kind == EntryKinds.File).ToList();
        Assert.Equal((4, 18L + 4 + 6 + 10), (files.Count, files.Sum(i => i.Size)));

        var first = await _machine.RunAsync("restore", _tree, "--to", _target);
        var restored = Path.Combine(_target, Path.GetFileName(_tree));
        Assert.Equal(0, first.Code);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(restored, "run.sh")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(restored, "private.txt")));
        Assert.Equal(File.GetUnixFileMode(Path.Combine(_tree, "plain.txt")), File.GetUnixFileMode(Path.Combine(restored, "plain.txt")));
        foreach (var (folder, time) in times)
        {
            Assert.Equal(time, Directory.GetLastWriteTimeUtc(Path.Combine(restored, folder)));
        }

        var again = await _machine.RunAsync("restore", _tree, "--to", _target);
        Assert.Equal(0, again.Code);
        Assert.DoesNotContain("identical ", again.Out.Split('\n').Where(l => !l.StartsWith("Restore", StringComparison.Ordinal)));
        Assert.Contains("0 restored, 4 already identical", again.Out);
    }

    [Fact]
    public async Task Backup_ExcludeABareName_LeavesOutThatFolderAtAnyDepth_AsGitignoreDoes()
    {
        Write("sub/one.txt", "1");
        Write("deeper/sub/two.txt", "2");
        Write("subway/three.txt", "3");

        Assert.Equal(0, (await _machine.RunAsync("backup", _tree, "--exclude", "sub")).Code);

        var kept = await CatalogFilesAsync();
        Assert.Equal([CatalogPath.FromLocal(Path.Combine(_tree, "subway", "three.txt"))], kept);
    }

    [Fact]
    public async Task Exclude_AddedAfterABackup_TheSummarySaysTheFilesItHidesNowCountAsDeleted()
    {
        Write("notes.txt", "kept");
        Write("debug.log", "hidden from now on");
        _machine.Write(BackupSettings.FileName, new BackupSettings([_tree], null));
        Assert.Equal(0, (await _machine.RunAsync("backup")).Code);

        var exclude = await _machine.RunAsync("exclude", "*.log");
        var backup = await _machine.RunAsync("backup");

        Assert.Equal(0, exclude.Code);
        Assert.Contains("count as deleted from the next backup", exclude.Out);
        Assert.Equal(0, backup.Code);
        Assert.Contains("1 deleted", backup.Out);
        Assert.Contains("1 of the deleted are files an exclusion now leaves out: their backups are kept for the plan's deleted-file period", backup.Out);
        Assert.Equal([CatalogPath.FromLocal(Path.Combine(_tree, "notes.txt"))], await CatalogFilesAsync());
    }

    [Fact]
    public async Task Status_WhileNothingUploads_CallsReservedBytesHeldNotUploading()
    {
        var bytes = Encoding.UTF8.GetBytes("granted, never sent");
        await _machine.Api.RequestGrantsAsync(new UploadGrantRequest([new GrantFile(CatalogPath.FromLocal(Path.Combine(_tree, "never.txt")), bytes.Length, TestDevice.Sha256(bytes))]));

        var status = await _machine.RunAsync("status");

        Assert.Equal(0, status.Code);
        Assert.Contains($"(+{ByteSizes.Format(bytes.Length)} held by unfinished uploads until their grants expire)", status.Out);
        Assert.DoesNotContain("uploading)", status.Out);
    }

    private byte[] Write(string relative, string text)
    {
        var path = Path.Combine(_tree, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = Encoding.UTF8.GetBytes(text);
        File.WriteAllBytes(path, bytes);
        return bytes;
    }

    private async Task<List<string>> CatalogFilesAsync()
    {
        var page = await _machine.Api.ListCatalogAsync(null, CatalogPath.FromLocal(_tree), null, false, true, null);
        return [.. page.Items.Where(i => i.Kind == EntryKinds.File).Select(i => i.Path).Order(StringComparer.Ordinal)];
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_target, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Storage refusing one content for good (as it would a request it finds malformed).</summary>
    private sealed class RefuseContent(string hash) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath.Contains(hash, StringComparison.Ordinal))
            {
                var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
                {
                    Content = new StringContent("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>InvalidInput</Code><Message>Refused (injected).</Message></Error>", Encoding.UTF8, "application/xml"),
                };
                response.Headers.Add("x-ms-error-code", "InvalidInput");
                return response;
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
