using System.Text.Json;
using System.Text.RegularExpressions;
using Backazon.Backend.Devices;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Cli;

/// <summary>History a person can use: "versions" times and ids that select what they show,
/// "runs", "ls FILE", "ls -r --deleted", a deleted file's restore hint, their own paths, --json.</summary>
[Collection(BackendCollection.Name)]
public sealed partial class CliHistoryTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-restore-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$")]
    private static partial Regex ZonedTime();

    [Fact]
    public async Task Versions_TimeShown_GivenToAt_RestoresExactlyThatVersion()
    {
        var file = Path.Combine(_tree, "notes.txt");
        await File.WriteAllTextAsync(file, "first");
        await BackupAsync();
        await PastTheSecondOfTheNewestVersionAsync(file);
        await File.WriteAllTextAsync(file, "second, longer");
        await BackupAsync();

        var versions = await _machine.RunAsync("versions", file);

        var lines = Lines(versions.Out);
        Assert.Equal(2, lines.Length);
        foreach (var (line, expected) in lines.Zip(["second, longer", "first"]))
        {
            var shown = line.Split("  ")[1];
            Assert.Matches(ZonedTime(), shown);
            var into = Path.Combine(_target, expected.Length.ToString());
            var restore = await _machine.RunAsync("restore", file, "--at", shown, "--to", into);
            Assert.True(restore.Code == 0, restore.Out + restore.Error);
            Assert.Equal(expected, await File.ReadAllTextAsync(Path.Combine(into, "notes.txt")));
        }
    }

    [Fact]
    public async Task RestoreVersion_ById_IsThatVersion_EvenWhenAnotherHoldsTheSameBytes()
    {
        var file = Path.Combine(_tree, "draft.txt");
        var times = new[] { new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2022, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
        foreach (var (content, time) in new[] { "A", "B", "A" }.Zip(times))
        {
            await File.WriteAllTextAsync(file, content);
            File.SetLastWriteTimeUtc(file, time);
            await BackupAsync();
        }

        var ids = Lines((await _machine.RunAsync("versions", file)).Out).Select(l => l.Split("  ")[0]).ToArray();
        Assert.Equal(3, ids.Distinct().Count()); // the first and the last hold the same content

        foreach (var (id, content, time) in new[] { (ids[2], "A", times[0]), (ids[1], "B", times[1]) })
        {
            var into = Path.Combine(_target, id);
            var restore = await _machine.RunAsync("restore", file, "--version", id, "--to", into);
            Assert.True(restore.Code == 0, restore.Out + restore.Error);
            Assert.Equal(content, await File.ReadAllTextAsync(Path.Combine(into, "draft.txt")));
            Assert.Equal(time, File.GetLastWriteTimeUtc(Path.Combine(into, "draft.txt")));
        }

        var unknown = await _machine.RunAsync("restore", file, "--version", "0000ffff");
        Assert.Equal((ExitCodes.Failure, $"'{file}' has no version 0000ffff; 'backazon versions {file}' lists them."), (unknown.Code, unknown.Error.Trim()));
    }

    [Fact]
    public async Task Runs_ListEachBackupNewestFirst_WithTimesAndCounts_PagedAndOnlyForTheAccount()
    {
        await File.WriteAllTextAsync(Path.Combine(_tree, "a.txt"), "a");
        await BackupAsync();
        await File.WriteAllTextAsync(Path.Combine(_tree, "a.txt"), "a, edited");
        await File.WriteAllTextAsync(Path.Combine(_tree, "b.txt"), "b");
        await BackupAsync();
        File.Delete(Path.Combine(_tree, "b.txt"));
        await BackupAsync();

        var runs = await _machine.RunAsync("runs");

        var lines = Lines(runs.Out);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Matches(ZonedTime(), l[..26]));
        Assert.Contains("  complete ", lines[0]);
        Assert.Contains("0 new, 0 changed, 1 deleted", lines[0]);
        Assert.Contains("1 new, 1 changed, 0 deleted", lines[1]);
        Assert.Contains("1 new, 0 changed, 0 deleted", lines[2]);
        Assert.Equal(2, Lines((await _machine.RunAsync("history", "--limit", "2")).Out).Length);
        var started = Lines((await _machine.RunAsync("runs", "--json")).Out).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("startedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(started.OrderByDescending(t => t), started);

        // Page by page through the API: one run a page, the same order, then the end.
        var paged = new List<DateTimeOffset>();
        string? continuation = null;
        do
        {
            var page = await _machine.Api.RunsAsync(null, continuation, 1);
            paged.AddRange(page.Items.Select(r => r.StartedAt));
            continuation = page.Continuation;
        }
        while (continuation is not null);
        Assert.Equal(started.Select(t => t.UtcTicks), paged.Select(t => t.UtcTicks));

        using var stranger = new TestDevice(backend, await backend.NewDeviceAsync());
        var refused = await Assert.ThrowsAsync<BackazonApiException>(() => stranger.Api.RunsAsync(_machine.Device.DeviceId, null));
        Assert.Equal(404, refused.Status);
        var forged = await Assert.ThrowsAsync<BackazonApiException>(() => _machine.Api.RunsAsync(null, "run:other:0"));
        Assert.Equal(400, forged.Status);
    }

    [Fact]
    public async Task Runs_OlderThanTheirRetention_ArePrunedAndTheRestStay()
    {
        using var device = await TestDevice.CreateAsync(backend);
        var now = DateTimeOffset.UtcNow;
        foreach (var startedAt in new[] { now.AddDays(-40), now.AddDays(-31), now.AddDays(-1) })
        {
            await device.Api.ReportRunAsync(new RunReport(startedAt, startedAt.AddMinutes(1), 1, 0, 0, 0, 0, 10, true));
        }

        var removed = await backend.App.Services.GetRequiredService<RunReportService>().PruneAsync(device.AccountId, now.AddDays(-30));

        Assert.Equal(2, removed);
        var left = await device.Api.RunsAsync(null, null);
        Assert.Equal([now.AddDays(-1).UtcTicks], left.Items.Select(r => r.StartedAt.UtcTicks));
    }

    [Fact]
    public async Task Ls_File_ShowsIt_AndPathsUnderHomeAreShownWithTilde()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var name = "backazon-history-" + Guid.NewGuid().ToString("N")[..8];
        var tree = Path.Combine(home, name);
        var file = Path.Combine(tree, "Documents", "x.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        try
        {
            await File.WriteAllTextAsync(file, "backed up");
            Assert.Equal(0, (await _machine.RunAsync("backup", tree)).Code);

            var ls = await _machine.RunAsync("ls", file);

            Assert.True(ls.Code == 0 && ls.Error.Length == 0, ls.Error);
            var line = Assert.Single(Lines(ls.Out));
            Assert.EndsWith($"  ~/{name}/Documents/x.txt", line);
            Assert.Matches(ZonedTime(), line[..26]);
            Assert.Equal(line, Assert.Single(Lines((await _machine.RunAsync("ls", Path.GetDirectoryName(file)!)).Out)));
            var json = JsonDocument.Parse(Assert.Single(Lines((await _machine.RunAsync("ls", file, "--json")).Out))).RootElement;
            Assert.Equal(file, json.GetProperty("path").GetString());

            // Restore messages name the same path, not the catalog's key.
            var inTheWay = Path.Combine(_target, name, "Documents", "x.txt");
            Directory.CreateDirectory(Path.GetDirectoryName(inTheWay)!);
            await File.WriteAllTextAsync(inTheWay, "someone else's");
            var restore = await _machine.RunAsync("restore", tree, "--to", _target);
            Assert.Contains($"kept ~/{name}/Documents/x.txt: a different file is there", restore.Out);
            var restoreJson = await _machine.RunAsync("restore", tree, "--to", _target, "--json");
            Assert.Contains($"\"path\":{JsonSerializer.Serialize(file)}", restoreJson.Out);
        }
        finally
        {
            Directory.Delete(tree, recursive: true);
        }
    }

    [Fact]
    public async Task LsRecursiveDeleted_ShowsDeletedFilesWithWhen_AndWithoutDeletedHidesThem()
    {
        var gone = Path.Combine(_tree, "sub", "deeper", "gone.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(gone)!);
        await File.WriteAllTextAsync(gone, "soon gone");
        await File.WriteAllTextAsync(Path.Combine(_tree, "sub", "kept.txt"), "kept");
        await BackupAsync();
        File.Delete(gone);
        await BackupAsync();

        var plain = await _machine.RunAsync("ls", "-r", _tree);
        var withDeleted = await _machine.RunAsync("ls", "-r", "--deleted", _tree);

        Assert.Contains("kept.txt", plain.Out);
        Assert.DoesNotContain("gone.txt", plain.Out);
        var line = Assert.Single(Lines(withDeleted.Out), l => l.Contains("gone.txt"));
        Assert.Matches(@$"  {Regex.Escape(gone)}  \(deleted \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\)$", line);
    }

    [Fact]
    public async Task Restore_DeletedFile_SaysWhenItWasDeleted_AndTheAtItSuggestsBringsItBack()
    {
        var gone = Path.Combine(_tree, "gone.txt");
        await File.WriteAllTextAsync(gone, "was here");
        await BackupAsync();
        await PastTheSecondOfTheNewestVersionAsync(gone);
        File.Delete(gone);
        await BackupAsync();

        var refused = await _machine.RunAsync("restore", gone, "--to", _target);

        Assert.Equal(ExitCodes.Failure, refused.Code);
        var said = Regex.Match(refused.Error.Trim(), @$"^'{Regex.Escape(gone)}' was deleted on (?<deleted>[^;]+); restore it as it was before with --at '(?<at>[^']+)'\.$");
        Assert.True(said.Success, refused.Error);
        Assert.Matches(ZonedTime(), said.Groups["deleted"].Value);
        var restored = await _machine.RunAsync("restore", gone, "--to", _target, "--at", said.Groups["at"].Value);
        Assert.True(restored.Code == 0, restored.Out + restored.Error);
        Assert.Equal("was here", await File.ReadAllTextAsync(Path.Combine(_target, "gone.txt")));
    }

    [Fact]
    public async Task VersionsAndLink_Json_CarryTheFullPathExactTimesAndIds()
    {
        var file = Path.Combine(_tree, "report.txt");
        await File.WriteAllTextAsync(file, "v1");
        await BackupAsync();

        var version = JsonDocument.Parse(Assert.Single(Lines((await _machine.RunAsync("versions", file, "--json")).Out))).RootElement;
        var link = JsonDocument.Parse((await _machine.RunAsync("link", file, "--json")).Out).RootElement;

        Assert.Equal(file, version.GetProperty("path").GetString());
        var exact = (await _machine.Api.VersionsAsync(null, Backazon.Uploader.Ui.UserPaths.ToCatalog(file)))[0];
        Assert.Equal(exact.VersionAt, version.GetProperty("versionAt").GetDateTimeOffset());
        Assert.Equal(exact.VersionId, version.GetProperty("versionId").GetString());
        Assert.Equal(file, link.GetProperty("path").GetString());
        using var http = new HttpClient();
        Assert.Equal("v1", await http.GetStringAsync(link.GetProperty("url").GetString()));
        Assert.True(link.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }

    private async Task BackupAsync()
    {
        var backup = await _machine.RunAsync("backup", _tree);
        Assert.True(backup.Code == 0, backup.Out + backup.Error);
    }

    /// <summary>Waits until the clock has left the second the file's newest version was recorded
    /// in, so that the next version falls in a later second (times are shown to the second).</summary>
    private async Task PastTheSecondOfTheNewestVersionAsync(string file)
    {
        var newest = (await _machine.Api.VersionsAsync(null, Backazon.Uploader.Ui.UserPaths.ToCatalog(file)))[0].VersionAt;
        var nextSecond = new DateTimeOffset(newest.UtcTicks - (newest.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);
        await Eventually.HoldsAsync(() => DateTimeOffset.UtcNow >= nextSecond, "the clock passes the version's second");
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_target, recursive: true);
        return Task.CompletedTask;
    }
}
