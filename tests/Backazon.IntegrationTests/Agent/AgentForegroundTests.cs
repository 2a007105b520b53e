using System.Text.Json;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Agent;

/// <summary>
/// The agent run by hand in a terminal, as a person watches it: the real CLI in a process of its
/// own prints a line per run and the error when one fails (with --json, a "run" record), and once
/// it is stopped, `status` still shows those errors until a run succeeds.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class AgentForegroundTests(BackendFixture backend) : IAsyncLifetime
{
    private const string NoFolders = "None of the default folders";
    private readonly string _home = Directory.CreateTempSubdirectory("backazon-home-").FullName; // no Documents, Desktop or Pictures
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task Agent_EveryRunFails_PrintsALinePerRunWithTheError_StatusKeepsItUntilARunSucceeds()
    {
        var line = await FirstLineAsync(l => l.Contains("backup failed: " + NoFolders));
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d  backup failed: None of the default folders .* Trying again at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\.$", line);

        var errors = await LastErrorsAsync();
        Assert.Contains(errors, e => e.StartsWith(NoFolders, StringComparison.Ordinal));

        var folder = Directory.CreateDirectory(Path.Combine(_home, "notes")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "a.txt"), "now there is something");
        Assert.Equal(0, (await _machine.RunAsync("backup", folder)).Code);
        Assert.Empty(await LastErrorsAsync());
    }

    [Fact]
    public async Task AgentJson_EveryRunFails_PrintsOneRunRecordPerRunWithTheError()
    {
        var line = await FirstLineAsync(l => l.Contains("\"messageType\":\"run\""), "--json");

        var run = JsonDocument.Parse(line).RootElement;
        Assert.Equal("failed", run.GetProperty("outcome").GetString());
        Assert.StartsWith(NoFolders, run.GetProperty("error").GetString());
        Assert.True(run.GetProperty("nextTryAt").GetDateTimeOffset() > run.GetProperty("finishedAt").GetDateTimeOffset());
    }

    /// <summary>Starts the agent, reads its standard output until a line matches, then kills it.</summary>
    private async Task<string> FirstLineAsync(Func<string, bool> wanted, params string[] more)
    {
        using var agent = _machine.Start(new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config") },
            ["agent", "--interval", "5s", "--retry-delay", "1s", "--tick", "1s", .. more]);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await agent.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (wanted(line))
                {
                    return line;
                }
            }

            Assert.Fail($"The agent ended without the line: {await agent.StandardError.ReadToEndAsync()}");
            return "";
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync();
        }
    }

    private async Task<List<string>> LastErrorsAsync()
    {
        var status = await _machine.RunAsync("status", "--json");
        Assert.True(status.Code == 0, status.Error);
        return [.. JsonDocument.Parse(status.Out).RootElement.GetProperty("lastErrors").EnumerateArray().Select(e => e.GetProperty("message").GetString()!)];
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }
}
