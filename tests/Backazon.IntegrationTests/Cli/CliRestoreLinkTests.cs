using System.Text;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Scanning;

namespace Backazon.IntegrationTests.Cli;

/// <summary>
/// A hostile device of the account plants a catalog holding a link "evil/link" to a folder
/// outside, then a file "evil/link/x"; the real CLI on another machine restores it and must
/// write nothing outside, through no link, and say what it refused.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class CliRestoreLinkTests(BackendFixture backend) : IAsyncLifetime
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("written through the link");
    private static readonly byte[] Passwd = Encoding.UTF8.GetBytes("root::0:0::/:/bin/sh");
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("outside, never to be touched");

    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-restore-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("backazon-outside-").FullName;
    private CliHarness _machine = null!;
    private TestDevice _hostile = null!;
    private DateTime _secretTime;

    public async Task InitializeAsync()
    {
        _machine = await CliHarness.EnrollAsync(backend);
        _hostile = await TestDevice.EnrollAsync(backend, _machine.Device.AccountId);
        await File.WriteAllBytesAsync(SecretFile, Secret);
        _secretTime = new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(SecretFile, _secretTime);

        // Commit 1: the link, and a link under it; commit 2, later: a file under it, and a file named like a link
        // that the target may already hold.
        var root = CatalogPath.FromLocal(_tree);
        var link = new FileChange($"{root}/evil/link", EntryKinds.Symlink, 0, null, DateTimeOffset.UtcNow, _outside);
        var linkUnderLink = new FileChange($"{root}/evil/link/inner", EntryKinds.Symlink, 0, null, DateTimeOffset.UtcNow, "/etc");
        Assert.Empty((await _hostile.CommitAndWaitAsync(link, linkUnderLink)).Rejected);
        Assert.Empty((await _hostile.BackupAsync(($"{root}/evil/link/x", Payload), ($"{root}/evil/passwd", Passwd))).Rejected);
    }

    private string SecretFile => Path.Combine(_outside, "secret.txt");

    private string Restored(string relative) => Path.Combine(_target, Path.GetFileName(_tree), relative);

    [Fact]
    public async Task Restore_LinkThenFileIntoFreshTarget_WritesNothingOutsideAndRefusesTheLink()
    {
        var restore = await _machine.RunAsync("restore", _tree, "--to", _target, "--device", _hostile.DeviceId);

        Assert.True(restore.Code == ExitCodes.CompletedWithSkips, restore.Out + restore.Error);
        AssertOutsideUntouched();

        // The file landed in a real folder inside the target; the link that would have covered
        // it was refused, and said so.
        Assert.Null(new DirectoryInfo(Restored("evil/link")).LinkTarget);
        Assert.Equal(Payload, await File.ReadAllBytesAsync(Restored("evil/link/x")));
        Assert.Contains($"refused {_tree}/evil/link: the catalog also holds files under this link", restore.Out);
    }

    [Fact]
    public async Task Restore_TargetAlreadyHoldsTheLink_RefusesWhatGoesThroughItAndLeavesTheOutsideAlone()
    {
        Directory.CreateDirectory(Restored("evil"));
        File.CreateSymbolicLink(Restored("evil/link"), _outside);
        File.CreateSymbolicLink(Restored("evil/passwd"), SecretFile);

        var restore = await _machine.RunAsync("restore", _tree, "--to", _target, "--device", _hostile.DeviceId);

        Assert.True(restore.Code == ExitCodes.CompletedWithSkips, restore.Out + restore.Error);
        AssertOutsideUntouched();
        Assert.Contains($"refused {_tree}/evil/link/x: {Restored("evil/link")} is a symbolic link (to {_outside})", restore.Out);
        Assert.Contains($"kept {_tree}/evil/passwd: a symbolic link is there", restore.Out);
        Assert.Contains($"refused {_tree}/evil/link/inner: {Restored("evil/link")} is a symbolic link", restore.Out);

        // --overwrite replaces the link at the final name (the link, not what it points to), and
        // still never goes through the folder link.
        var overwrite = await _machine.RunAsync("restore", _tree, "--to", _target, "--device", _hostile.DeviceId, "--overwrite");

        Assert.True(overwrite.Code == ExitCodes.CompletedWithSkips, overwrite.Out + overwrite.Error);
        AssertOutsideUntouched();
        Assert.Null(new FileInfo(Restored("evil/passwd")).LinkTarget);
        Assert.Equal(Passwd, await File.ReadAllBytesAsync(Restored("evil/passwd")));
        Assert.Contains($"refused {_tree}/evil/link/x", overwrite.Out);
    }

    [Fact]
    public async Task Restore_InPlaceWithTheLinkThere_RefusesWhatGoesThroughIt()
    {
        Directory.CreateDirectory(Path.Combine(_tree, "evil"));
        File.CreateSymbolicLink(Path.Combine(_tree, "evil", "link"), _outside);

        var restore = await _machine.RunAsync("restore", _tree, "--device", _hostile.DeviceId);

        Assert.True(restore.Code == ExitCodes.CompletedWithSkips, restore.Out + restore.Error);
        AssertOutsideUntouched();
        Assert.Contains($"refused {_tree}/evil/link/x: {Path.Combine(_tree, "evil", "link")} is a symbolic link", restore.Out);
        Assert.Equal(Passwd, await File.ReadAllBytesAsync(Path.Combine(_tree, "evil", "passwd")));
    }

    private void AssertOutsideUntouched()
    {
        Assert.Equal([SecretFile], Directory.GetFileSystemEntries(_outside));
        Assert.Equal(Secret, File.ReadAllBytes(SecretFile));
        Assert.Equal(_secretTime, File.GetLastWriteTimeUtc(SecretFile));
    }

    public Task DisposeAsync()
    {
        _hostile.Dispose();
        _machine.Dispose();
        foreach (var folder in new[] { _tree, _target, _outside })
        {
            Directory.Delete(folder, recursive: true);
        }

        return Task.CompletedTask;
    }
}
