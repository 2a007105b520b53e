using System.Globalization;
using System.Text.Json;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Cli;

/// <summary>Counts a person compares (issue 27, item 6), with the real CLI as a process: a run
/// interrupted after it sent bytes says what it sent, in status and in "runs"; a new file whose
/// upload was interrupted stays new; the progress, the server's check and the summary count the
/// same changes and end at their totals.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliCountsTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task InterruptedRun_AfterSendingBytes_IsInRunsAndStatusWithWhatItSent()
    {
        await InterruptAfterBytesSentAsync("big.bin");

        var runs = (await _machine.RunProcessAsync("runs", "--json")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var run = JsonDocument.Parse(Assert.Single(runs)).RootElement;
        Assert.False(run.GetProperty("complete").GetBoolean());
        Assert.True(run.GetProperty("bytesSent").GetInt64() > 0, runs[0]);
        var lastRun = JsonDocument.Parse((await _machine.RunProcessAsync("status", "--json")).Out).RootElement.GetProperty("lastRun");
        Assert.Equal("interrupted", lastRun.GetProperty("outcome").GetString());
        Assert.Equal(run.GetProperty("bytesSent").GetInt64(), lastRun.GetProperty("bytesSent").GetInt64());
    }

    [Fact]
    public async Task NewFile_WhoseFirstUploadWasInterrupted_IsNewOnTheNextRun_NotChanged()
    {
        await InterruptAfterBytesSentAsync("big.bin");

        var (_, summary) = await BackupJsonAsync();

        Assert.Equal((1, 0), (summary.GetProperty("new").GetInt32(), summary.GetProperty("changed").GetInt32()));
    }

    [Fact]
    public async Task NewFile_WhoseFirstUploadWasInterrupted_AndThenDeleted_IsForgotten_NotReportedDeleted()
    {
        await InterruptAfterBytesSentAsync("big.bin");
        Write("other.txt", "so that the run has something to do");
        File.Delete(Path.Combine(_tree, "big.bin"));

        var (_, summary) = await BackupJsonAsync();

        Assert.Equal((1, 0, 0), (summary.GetProperty("new").GetInt32(), summary.GetProperty("changed").GetInt32(), summary.GetProperty("deleted").GetInt32()));
    }

    [Fact]
    public async Task Progress_ServerCheckAndSummary_CountTheSameChanges_AndEndAtTheirTotals()
    {
        // Files in folders (whose times ride along in the commits) and links: a first backup ...
        for (var i = 0; i < 30; i++)
        {
            Write($"folder-{i % 3}/file-{i}.txt", $"file {i}");
        }

        File.CreateSymbolicLink(Path.Combine(_tree, "folder-0", "link-a"), "file-0.txt");
        File.CreateSymbolicLink(Path.Combine(_tree, "folder-1", "link-b"), "file-1.txt");
        var (first, firstSummary) = await BackupJsonAsync();
        Assert.Equal(32, firstSummary.GetProperty("new").GetInt32());
        AssertAllDone(first, 32);

        // ... then 3 changed, 2 files and a link deleted, 1 new: 7 changes, seen alike by all three.
        for (var i = 3; i < 6; i++)
        {
            Write($"folder-{i % 3}/file-{i}.txt", $"file {i}, edited");
        }

        File.Delete(Path.Combine(_tree, "folder-0", "file-9.txt"));
        File.Delete(Path.Combine(_tree, "folder-1", "file-10.txt"));
        File.Delete(Path.Combine(_tree, "folder-1", "link-b"));
        Write("folder-2/new.txt", "new");
        var plain = await _machine.RunProcessAsync("backup", _tree);
        Assert.True(plain.Exit == 0, plain.Out + plain.Error);
        var lines = plain.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var summaryAt = Array.FindIndex(lines, l => l.StartsWith("Backup complete", StringComparison.Ordinal));
        Assert.Contains("1 new, 3 changed, 26 unchanged, 3 deleted, 0 skipped", lines[summaryAt]);
        // The last line of totals is the run's end, not the last tick's: every count at its total.
        Assert.StartsWith("Cataloging: 7 of 7 files done;", lines[summaryAt - 1]);
        Assert.EndsWith("the server checked 7 of 7", lines[summaryAt - 1]);
    }

    /// <summary>The last status of a --json backup: files, bytes and the server's check all at
    /// their totals, the files' total being <paramref name="changes"/>.</summary>
    private static void AssertAllDone(JsonElement last, int changes)
    {
        Assert.Equal((changes, changes), (last.GetProperty("filesPlanned").GetInt32(), last.GetProperty("filesDone").GetInt32()));
        Assert.Equal((changes, changes), (last.GetProperty("entriesCommitted").GetInt32(), last.GetProperty("entriesChecked").GetInt32()));
        Assert.Equal(last.GetProperty("bytesToRead").GetInt64(), last.GetProperty("bytesHashed").GetInt64());
        Assert.Equal(last.GetProperty("bytesToSend").GetInt64(), last.GetProperty("bytesSent").GetInt64());
    }

    /// <summary>A backup of the tree with --json, as a process: its last status and its summary.</summary>
    private async Task<(JsonElement LastStatus, JsonElement Summary)> BackupJsonAsync()
    {
        var (exit, output, error) = await _machine.RunProcessAsync("backup", _tree, "--json");
        Assert.True(exit == 0, output + error);
        var messages = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        return (messages.Last(m => m.GetProperty("messageType").GetString() == "status"),
            messages.Single(m => m.GetProperty("messageType").GetString() == "summary").GetProperty("summary"));
    }

    /// <summary>Starts a backup of a new 4 MB file (random, so nothing is found stored; paced to
    /// 256 KB/s, so it takes some 16 seconds) and interrupts it once bytes went out.</summary>
    private async Task InterruptAfterBytesSentAsync(string name)
    {
        await File.WriteAllBytesAsync(Path.Combine(_tree, name), System.Security.Cryptography.RandomNumberGenerator.GetBytes(4 * 1024 * 1024));
        using var process = _machine.Start("backup", _tree, "--json", "--max-upload-rate", "256KB");
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line
               && !(line.Contains("\"status\"") && JsonDocument.Parse(line).RootElement.GetProperty("bytesSent").GetInt64() > 0))
        {
        }

        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(timeout.Token);
        }

        var drain = process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        await drain;
        Assert.True(process.ExitCode == 130, await error);
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_tree, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}
