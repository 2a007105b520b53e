using Backazon.Uploader.Restoring;

namespace Backazon.UnitTests.Uploader;

/// <summary>The walk a restore makes to each file's folder: real folders only, never a link.</summary>
public sealed class RestoreFoldersTests : IDisposable
{
    private readonly TempTree _tree = new();
    private readonly RestoreFolders _folders = new();

    private string Target => _tree.PathOf("target");

    [Fact]
    public void PrepareParents_MissingFolders_AreMadeAndKnownAsMade()
    {
        Assert.Null(_folders.PrepareParents(Target, Path.Combine(Target, "a", "b", "file")));

        Assert.True(Directory.Exists(Path.Combine(Target, "a", "b")));
        Assert.True(_folders.Made(Path.Combine(Target, "a", "b")));
    }

    [Fact]
    public void PrepareParents_ExistingFolder_IsEnteredButNotKnownAsMade()
    {
        _tree.Folder("target/a");

        Assert.Null(_folders.PrepareParents(Target, Path.Combine(Target, "a", "file")));
        Assert.False(_folders.Made(Path.Combine(Target, "a")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // dangling: Exists would say "nothing there"
    public void PrepareParents_LinkOnTheWay_IsRefusedAndNothingIsMadeBeyondIt(bool targetExists)
    {
        var outside = targetExists ? _tree.Folder("outside") : _tree.PathOf("outside");
        _tree.Folder("target/a");
        File.CreateSymbolicLink(Path.Combine(Target, "a", "link"), outside);

        var refused = _folders.PrepareParents(Target, Path.Combine(Target, "a", "link", "deeper", "file"));

        Assert.Equal(RestoreOutcome.Refused, refused?.Outcome);
        Assert.Contains("is a symbolic link", refused?.Reason);
        Assert.False(Directory.Exists(Path.Combine(outside, "deeper")));
    }

    [Fact]
    public void PrepareParents_FileInTheWay_IsKept()
    {
        _tree.File("target/a");

        var kept = _folders.PrepareParents(Target, Path.Combine(Target, "a", "file"));

        Assert.Equal(RestoreOutcome.Kept, kept?.Outcome);
        Assert.Contains("a file is in the way", kept?.Reason);
    }

    [Fact]
    public void PrepareParents_TrustedRootIsALink_IsFollowed()
    {
        var real = _tree.Folder("real");
        File.CreateSymbolicLink(Target, real);

        Assert.Null(_folders.PrepareParents(Target, Path.Combine(Target, "a", "file")));
        Assert.True(Directory.Exists(Path.Combine(real, "a")));
    }

    public void Dispose() => _tree.Dispose();
}
