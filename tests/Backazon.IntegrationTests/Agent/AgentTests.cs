using System.Text.Json;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Configuration;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Agent;

/// <summary>
/// The real agent, a process of its own with a short interval, on a machine whose home folder is
/// a temporary one: with nothing configured it backs up the default folders; it backs up a
/// changing tree again and again, holds still while paused (a run in progress too, within
/// seconds), follows the upload rate, says all of it in "status --json", and stops cleanly on
/// SIGTERM.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class AgentTests(BackendFixture backend, ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly string _home = Directory.CreateTempSubdirectory("backazon-home-").FullName;
    private CliHarness _machine = null!;

    private string Documents => Path.Combine(_home, "Documents");

    private StateFolder State => new(Path.Combine(_machine.ConfigPath, "state"));

    public async Task InitializeAsync()
    {
        _machine = await CliHarness.EnrollAsync(backend);
        Directory.CreateDirectory(Documents);
    }

    [Fact]
    public async Task Agent_BacksUpTheDefaultFoldersAsTheyChange_HoldsStillWhilePaused_StopsCleanlyOnSigterm()
    {
        Write("notes/a.txt", "first");
        Write("notes/b.txt", "second");
        Write("c.txt", "third");
        await using var agent = StartAgent("--interval", "2s");

        await agent.RunsFinishedAsync(1);
        await CatalogAssert.MatchesDiskAsync(_machine.Api, Documents);

        Write("notes/a.txt", "first, edited");
        Write("d.txt", "new");
        File.Delete(Path.Combine(Documents, "c.txt"));
        await Eventually.HoldsAsync(async () => await CatalogMatchesAsync(), "a later run catches the edit, the new file and the deletion", 60);
        // The catalog matches once the commit is cataloged; the run's summary comes a moment later.
        await agent.RunsFinishedAsync(2);

        Assert.Equal(0, (await _machine.RunAsync("pause")).Code);
        await Eventually.HoldsAsync(() => AgentStatus.Read(State).Paused, "the agent sees the pause", 10);
        // The agent holds still only once any run the pause stopped has recorded how it ended.
        var runsBefore = agent.RunsFinished;
        var last = RunRecord.Read(State)!;
        var lastStart = last.StartedAt;
        Write("while-paused.txt", "waits for the resume");
        // Nothing to await here: the point is that nothing happens. Three slots pass unused.
        await Task.Delay(3 * Interval);
        Assert.Equal(runsBefore, agent.RunsFinished);
        Assert.Equal(lastStart, RunRecord.Read(State)!.StartedAt);

        var status = await StatusJsonAsync();
        Assert.True(status.GetProperty("agent").GetProperty("running").GetBoolean());
        Assert.True(status.GetProperty("agent").GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("agent").GetProperty("pausedUntil").ValueKind);
        Assert.Equal(last.LastSuccessAt, status.GetProperty("lastSuccessfulBackupAt").GetDateTimeOffset());
        Assert.Contains(status.GetProperty("lastRun").GetProperty("outcome").GetString(), new[] { RunRecord.Completed, RunRecord.Interrupted });
        Assert.Equal(JsonValueKind.Number, status.GetProperty("pending").GetProperty("files").ValueKind);
        Assert.Equal(JsonValueKind.Number, status.GetProperty("pending").GetProperty("bytes").ValueKind);
        Assert.True(status.GetProperty("quota").GetProperty("usedBytes").GetInt64() > 0);
        Assert.Equal(500_000_000_000, status.GetProperty("quota").GetProperty("totalBytes").GetInt64());
        Assert.Equal(0, status.GetProperty("lastErrors").GetArrayLength());
        Assert.Single(Directory.GetFiles(status.GetProperty("logFolder").GetString()!, "agent-*.log"));

        Assert.Equal(0, (await _machine.RunAsync("resume")).Code);
        await agent.RunsFinishedAsync(runsBefore + 1);
        await Eventually.HoldsAsync(async () => await CatalogMatchesAsync(), "the run after the resume takes the file written while paused", 30);

        Assert.Equal(0, await agent.TerminateAsync());
        Assert.Null(AgentStatus.Read(State).Pid);
        var stopped = await StatusJsonAsync();
        Assert.False(stopped.GetProperty("agent").GetProperty("running").GetBoolean());
        Assert.Equal(JsonValueKind.Null, stopped.GetProperty("nextRunAt").ValueKind);
    }

    [Fact]
    public async Task Agent_PausedDuringAPacedUpload_StopsWithinSeconds_ThenGoesOnFromWhereItStopped()
    {
        var big = new byte[24 * MiB];
        Random.Shared.NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(Documents, "big.bin"), big);
        // 4 MB a second: the file takes about six seconds, long enough to pause in the middle.
        _machine.Write(BackupSettings.FileName, new BackupSettings(null, null, MaxUploadRate: "4MB"));
        await using var agent = StartAgent("--interval", "1h");

        await Eventually.HoldsAsync(() => agent.BytesSent > 0, "the upload has begun", 60);
        Assert.Equal(0, (await _machine.RunAsync("pause")).Code);
        var pausedAt = DateTimeOffset.UtcNow;
        await Eventually.HoldsAsync(() => RunRecord.Read(State) is { Outcome: RunRecord.Interrupted }, "the run stops for the pause", 10);
        var sentBeforePause = agent.BytesSent;
        output.WriteLine($"stopped {(DateTimeOffset.UtcNow - pausedAt).TotalSeconds:0.0} s after the pause, {sentBeforePause:N0} bytes sent");
        Assert.True(sentBeforePause < big.Length, "the pause came after the whole file was sent: the pace was not followed");

        _machine.Write(BackupSettings.FileName, new BackupSettings(null, null)); // no limit from now on
        Assert.Equal(0, (await _machine.RunAsync("resume")).Code);
        await agent.RunsFinishedAsync(1);

        await CatalogAssert.MatchesDiskAsync(_machine.Api, Documents);
        // What was staged before the pause is not sent again (4 blocks of 4 MiB may have been in flight).
        Assert.True(agent.BytesSent <= big.Length + 4 * 4 * MiB, $"sent {agent.BytesSent:N0} bytes for a {big.Length:N0}-byte file");
        Assert.Equal(0, await agent.TerminateAsync());
    }

    [Fact]
    public async Task SecondAgent_IsRefusedInOneSentence_AndABackupByHandWaitsItsTurn()
    {
        Write("x.txt", "x");
        await using var agent = StartAgent("--interval", "1h");
        await agent.RunsFinishedAsync(1);

        var second = await _machine.RunAsync("agent");
        Assert.Equal(1, second.Code);
        Assert.StartsWith("The agent is already running (pid ", second.Error);

        // The agent's run may hold the lock a moment after its summary: take it once it is free.
        RunLock? held = null;
        await Eventually.HoldsAsync(() => (held = RunLock.TryTake(State.BackupLockFile)) is not null, "the test holds the backup lock", 10);
        using (held)
        {
            var byHand = await _machine.RunAsync("backup");
            Assert.Equal(1, byHand.Code);
            Assert.StartsWith("Another backup of this machine is running", byHand.Error);
        }

        Assert.Equal(0, await agent.TerminateAsync());
    }

    private AgentProcess StartAgent(params string[] args) =>
        AgentProcess.Start(_machine, new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config") }, [.. args, "--tick", "1s"]);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(Documents, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private async Task<bool> CatalogMatchesAsync()
    {
        try
        {
            await CatalogAssert.MatchesDiskAsync(_machine.Api, Documents);
            return true;
        }
        catch (Xunit.Sdk.XunitException)
        {
            return false;
        }
    }

    private async Task<JsonElement> StatusJsonAsync()
    {
        var (code, json, error) = await _machine.RunAsync("status", "--json");
        Assert.True(code == 0, error);
        return JsonDocument.Parse(json).RootElement;
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }
}
