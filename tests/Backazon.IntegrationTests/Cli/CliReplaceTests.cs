using System.Text.Json;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Cli;

/// <summary>
/// The disk-died story, as a person lives it with the real CLI in processes of their own against
/// the local backend: computer A backs up and dies; computer B enrolls in its place, finds A's
/// files with a plain `ls`, restores them, backs the restored tree up sending nothing, and its
/// runs and versions go on from A's; A's credentials are refused in one sentence.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class CliReplaceTests(BackendFixture backend) : IDisposable
{
    private readonly string _a = Directory.CreateTempSubdirectory("backazon-a-").FullName;
    private readonly string _b = Directory.CreateTempSubdirectory("backazon-b-").FullName;
    private readonly string _docs = Directory.CreateTempSubdirectory("backazon-docs-").FullName;

    [Fact]
    public async Task DiskDied_NewComputerReplacesOld_TakesOverHistoryRestoresAndSendsNothing()
    {
        var account = await backend.CreateAccountAsync(plan: "trial"); // one device allowed: taking over adds none
        var server = backend.BaseAddress.ToString();
        var files = new Dictionary<string, string>
        {
            ["report.txt"] = "quarterly numbers",
            ["photos/cat.jpg"] = new string('c', 70_000),
            ["notes/todo.md"] = "- water the plants",
        };
        foreach (var (name, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_docs, name))!);
            await File.WriteAllTextAsync(Path.Combine(_docs, name), text);
        }

        Assert.Equal(0, (await RunAsync(_a, "enroll", "--server", server, "--code", await backend.CreateCodeAsync(account.Id), "--name", "old-laptop")).Exit);
        Assert.Equal(0, (await RunAsync(_a, "backup", _docs)).Exit);
        var versionsOnA = (await RunAsync(_a, "versions", Path.Combine(_docs, "report.txt"))).Out;

        // The disk dies: the files are gone; A's config folder is all that is left of it, to try its credentials later.
        Directory.Delete(_docs, recursive: true);
        var enroll = await RunAsync(_b, "enroll", "--server", server, "--code", await backend.CreateCodeAsync(account.Id), "--name", "new-laptop", "--replaces", "old-laptop");
        Assert.True(enroll.Exit == 0, enroll.Error);
        Assert.Contains("took over 'old-laptop'", enroll.Out);

        var list = await RunAsync(_b, "ls", _docs);
        Assert.Equal(["notes/", "photos/", "report.txt"], list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("  ").Last().Trim()[(_docs.Length + 1)..]).Order(StringComparer.Ordinal));
        var restore = await RunAsync(_b, "restore", _docs);
        Assert.True(restore.Exit == 0, restore.Out + restore.Error);
        Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllText(Path.Combine(_docs, f.Key))));

        var backup = await RunAsync(_b, "backup", _docs, "--json");
        Assert.True(backup.Exit == 0, backup.Out + backup.Error);
        var summary = JsonDocument.Parse(backup.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()).RootElement.GetProperty("summary");
        Assert.Equal((0, 0, 3, 0L, 0L), (summary.GetProperty("new").GetInt32(), summary.GetProperty("changed").GetInt32(), summary.GetProperty("unchanged").GetInt32(),
            summary.GetProperty("bytesSent").GetInt64(), summary.GetProperty("bytesHashed").GetInt64()));

        // History continues: A's run and B's, newest first; the file's versions are A's, no new one.
        var runs = (await RunAsync(_b, "runs", "--json")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, runs.Length);
        Assert.Equal(versionsOnA, (await RunAsync(_b, "versions", Path.Combine(_docs, "report.txt"))).Out);
        Assert.Single(versionsOnA.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var refused = await RunAsync(_a, "ls", _docs);
        Assert.Equal(1, refused.Exit);
        Assert.Matches(@"^This computer was replaced by 'new-laptop' on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d, which carries on its backups, so it can no longer back up or restore as this device; run 'backazon enroll --force' to enroll it as a computer of its own\.$",
            refused.Error.Trim());
    }

    [Fact]
    public async Task Ls_OnComputerThatHoldsNothingThere_NamesTheComputerThatDoes()
    {
        var account = await backend.CreateAccountAsync();
        var server = backend.BaseAddress.ToString();
        await File.WriteAllTextAsync(Path.Combine(_docs, "a.txt"), "on the old computer");
        Assert.Equal(0, (await RunAsync(_a, "enroll", "--server", server, "--code", await backend.CreateCodeAsync(account.Id), "--name", "old-pc")).Exit);
        Assert.Equal(0, (await RunAsync(_a, "backup", _docs)).Exit);
        Assert.Equal(0, (await RunAsync(_b, "enroll", "--server", server, "--code", await backend.CreateCodeAsync(account.Id), "--name", "new-pc")).Exit);

        var list = await RunAsync(_b, "ls", _docs);
        var restore = await RunAsync(_b, "restore", _docs);

        Assert.Equal(0, list.Exit);
        Assert.Contains("The account's computer 'old-pc' holds files there: add --device old-pc to see them, or, if this computer replaces it, " +
            "enroll it again with --force --replaces old-pc to take over its backups.", list.Error);
        Assert.Equal(1, restore.Exit);
        Assert.Contains("add --device old-pc", restore.Error);
        Assert.Single(restore.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Enroll_ReplacesUnknownName_OneSentenceAndCodeStillGood()
    {
        var account = await backend.CreateAccountAsync();
        await backend.EnrollAsync(account.Id, "desk");
        var code = await backend.CreateCodeAsync(account.Id);

        var wrong = await RunAsync(_b, "enroll", "--server", backend.BaseAddress.ToString(), "--code", code, "--replaces", "dsek");
        var right = await RunAsync(_b, "enroll", "--server", backend.BaseAddress.ToString(), "--code", code, "--replaces", "desk");

        Assert.Equal(1, wrong.Exit);
        Assert.StartsWith("The account has no computer called 'dsek' to replace. Its computers: desk (", wrong.Error.Trim());
        Assert.True(right.Exit == 0, right.Error);
    }

    private static Task<(int Exit, string Out, string Error)> RunAsync(string config, params string[] args) => CliHarness.RunProcessIn(config, args);

    public void Dispose()
    {
        foreach (var folder in new[] { _a, _b, _docs })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
