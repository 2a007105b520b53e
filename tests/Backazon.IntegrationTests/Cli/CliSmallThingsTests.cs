using System.Text.Json;
using System.Text.RegularExpressions;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Cli;

/// <summary>Small things a person trips over (issue 27, item 7), each with the real CLI as a
/// process: advice that fits what was asked, a sentence instead of .NET's, a JSON run that ends
/// in JSON, a pause that is mentioned.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliSmallThingsTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync()
    {
        _machine = await CliHarness.EnrollAsync(backend);
        await File.WriteAllTextAsync(Path.Combine(_tree, "a.txt"), "something");
    }

    [Fact]
    public async Task Backup_FolderThatDoesNotExist_SaysSoWithoutAdvisingIncludeRemove()
    {
        var nope = Path.Combine(_tree, "nope");

        var (exit, _, error) = await _machine.RunProcessAsync("backup", nope);

        Assert.Equal((1, $"'{nope}' does not exist: check the name, or give a folder that does."), (exit, error.Trim()));
    }

    [Fact]
    public async Task BackupJson_Fails_EndsWithAJsonErrorRecord()
    {
        var (exit, output, error) = await _machine.RunProcessAsync("backup", "--json", Path.Combine(_tree, "nope"));

        var last = JsonDocument.Parse(output.Trim().Split('\n').Last()).RootElement;
        Assert.Equal(1, exit);
        Assert.Equal(("error", error.Trim(), 1), (last.GetProperty("messageType").GetString(), last.GetProperty("error").GetString(), last.GetProperty("exitCode").GetInt32()));
    }

    [Fact]
    public async Task RestoreTo_UnderAFile_IsOneSentence_AndWritesNothing()
    {
        Assert.Equal(0, (await _machine.RunProcessAsync("backup", _tree)).Exit);
        var file = Path.Combine(_tree, "a.txt");

        var (exit, _, error) = await _machine.RunProcessAsync("restore", _tree, "--to", Path.Combine(file, "sub"));

        Assert.Equal((1, $"'{file}' is a file, so '{Path.Combine(file, "sub")}' cannot be made under it; give --to a folder (it is made if it does not exist)."),
            (exit, error.Trim()));
        Assert.Equal("something", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task BackupByHand_WhilePaused_SaysThePauseStandsAndRuns()
    {
        Assert.Equal(0, (await _machine.RunProcessAsync("pause")).Exit);

        var (exit, output, error) = await _machine.RunProcessAsync("backup", _tree);

        Assert.True(exit == 0, output + error);
        Assert.Equal("Backups are paused until 'backazon resume'; this backup by hand runs anyway, and the agent stays paused.", error.Trim());
        Assert.Contains("1 new", output);
    }

    [Fact]
    public async Task NotFound_NamesThePathAsWrittenAndTheTimeAsEveryOtherLine()
    {
        Assert.Equal(0, (await _machine.RunProcessAsync("backup", _tree)).Exit);
        var missing = Path.Combine(_tree, "missing.txt");

        var restore = await _machine.RunProcessAsync("restore", missing);
        var versions = await _machine.RunProcessAsync("versions", missing);

        Assert.Equal(1, restore.Exit);
        Assert.Matches($@"^'{Regex.Escape(missing)}' as of \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d was not found\.$", restore.Error.Trim());
        Assert.Equal((1, $"'{missing}' was not found."), (versions.Exit, versions.Error.Trim()));
    }

    [Fact]
    public async Task Restore_SymbolicLink_GetsItsOwnModificationTimeBack()
    {
        var link = Path.Combine(_tree, "link");
        File.CreateSymbolicLink(link, "a.txt");
        using (var touch = System.Diagnostics.Process.Start("touch", ["-h", "-d", "2020-01-02 03:04:05Z", link]))
        {
            await touch.WaitForExitAsync();
        }

        Assert.Equal(0, (await _machine.RunProcessAsync("backup", _tree)).Exit);
        var target = Directory.CreateTempSubdirectory("backazon-restore-").FullName;
        try
        {
            Assert.Equal(0, (await _machine.RunProcessAsync("restore", _tree, "--to", target)).Exit);

            Assert.Equal("1577934245", await OwnTimeAsync(Path.Combine(target, Path.GetFileName(_tree), "link")));
            Assert.Equal("1577934245", await OwnTimeAsync(link));
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }

        static async Task<string> OwnTimeAsync(string path)
        {
            using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%Y", path]) { RedirectStandardOutput = true })!;
            var seconds = await stat.StandardOutput.ReadToEndAsync();
            await stat.WaitForExitAsync();
            return seconds.Trim();
        }
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}
