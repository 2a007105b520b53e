using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Configuration;

namespace Backazon.IntegrationTests.Cli;

/// <summary>config.json checked whole, the same way by every command that reads it (status and
/// "backup --dry-run" too): broken JSON, a misspelt key and a value that does not parse are each
/// one sentence with the line, exit code 1, and nothing sent. The real CLI, as a process.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliConfigTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync()
    {
        _machine = await CliHarness.EnrollAsync(backend);
        await File.WriteAllTextAsync(Path.Combine(_tree, "a.txt"), "something to back up");
    }

    [Theory]
    [InlineData("{\n  \"folders\": [\"TREE\"],\n  \"exclude\": [\"*.tmp\"],\n}\n", "config.json is not valid JSON at line 4: fix it or delete it.")]
    [InlineData("{\n  \"folder\": [\"TREE\"]\n}\n",
        "config.json, line 2: \"folder\" is not a setting; the settings are \"folders\", \"exclude\", \"interval\" and \"maxUploadRate\".")]
    [InlineData("{\n  \"folders\": [\"TREE\"],\n  \"maxUploadRate\": \"fast\"\n}\n",
        "config.json, line 3: \"maxUploadRate\" 'fast' is not an upload rate; write it like 2MB or 500KB (per second), at least 1KB, or 0 for no limit.")]
    [InlineData("{\n  \"folders\": [\"TREE\"],\n  \"interval\": 6\n}\n", "config.json, line 3: \"interval\" must be a string (\"6h\", \"2MB\").")]
    public async Task BadConfig_EveryCommandThatReadsIt_RefusesWithTheSameSentenceAndLine(string config, string sentence)
    {
        var file = Path.Combine(_machine.ConfigPath, BackupSettings.FileName);
        await File.WriteAllTextAsync(file, config.Replace("TREE", _tree));

        foreach (var command in new[] { new[] { "status" }, ["backup", "--dry-run"], ["backup"], ["include"], ["status", "--json"] })
        {
            var (exit, output, error) = await _machine.RunProcessAsync(command);

            Assert.True(exit == 1, $"{string.Join(' ', command)}: exit {exit}, {output}{error}");
            Assert.Equal($"{file}{sentence["config.json".Length..]}", error.Trim());
        }

        Assert.Empty((await _machine.Api.RunsAsync(null, null, 10)).Items);
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}
