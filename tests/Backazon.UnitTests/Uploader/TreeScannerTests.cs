using System.Runtime.InteropServices;
using Backazon.Uploader.Scanning;

namespace Backazon.UnitTests.Uploader;

public sealed class TreeScannerTests : IDisposable
{
    private readonly TempTree _tree = new();
    private readonly List<(string Path, string Reason)> _skipped = [];

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Scan_NestedTree_YieldsFilesWithCatalogPathsSizesAndTimes()
    {
        _tree.File("a.txt", "hello");
        _tree.File("empty");
        var deep = _tree.File("x/y/z/deep.bin", "12");
        var modified = new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc).AddTicks(1234567);
        File.SetLastWriteTimeUtc(deep, modified);

        var entries = Scan().ToDictionary(entry => entry.CatalogPath[(RootCatalog.Length + 1)..]);

        Assert.Equal(["a.txt", "empty", "x/y/z/deep.bin"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(5, entries["a.txt"].Size);
        Assert.Equal(0, entries["empty"].Size);
        Assert.Equal(EntryKind.File, entries["empty"].Kind);
        Assert.Equal(deep, entries["x/y/z/deep.bin"].LocalPath);
        Assert.Equal(modified.Ticks, entries["x/y/z/deep.bin"].ModifiedAt.UtcTicks);
        Assert.Equal(TimeSpan.Zero, entries["x/y/z/deep.bin"].ModifiedAt.Offset);
        Assert.Empty(_skipped);
    }

    [Fact]
    public void Scan_NfcAndNfdNames_BothKeptDistinct()
    {
        _tree.File("caf\u00e9.txt", "nfc");
        _tree.File("cafe\u0301.txt", "nfd!");
        _tree.File("日本語/Ελληνικά/😀.txt", "emoji");

        var entries = Scan().ToDictionary(entry => entry.CatalogPath[(RootCatalog.Length + 1)..]);

        Assert.Equal(3, entries["caf\u00e9.txt"].Size);
        Assert.Equal(4, entries["cafe\u0301.txt"].Size);
        Assert.True(entries.ContainsKey("日本語/Ελληνικά/😀.txt"));
    }

    [Fact]
    public void Scan_SymlinkLoop_RecordedAsLinkNotFollowed()
    {
        _tree.File("dir/file.txt", "x");
        Directory.CreateSymbolicLink(_tree.PathOf("dir/loop"), "..");
        File.CreateSymbolicLink(_tree.PathOf("dir/alias.txt"), "file.txt");
        File.CreateSymbolicLink(_tree.PathOf("dangling"), "nowhere/at/all");

        var entries = Scan().ToDictionary(entry => entry.CatalogPath[(RootCatalog.Length + 1)..]);

        Assert.Equal(["dangling", "dir/alias.txt", "dir/file.txt", "dir/loop"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((EntryKind.Symlink, ".."), (entries["dir/loop"].Kind, entries["dir/loop"].LinkTarget));
        Assert.Equal((EntryKind.Symlink, "file.txt"), (entries["dir/alias.txt"].Kind, entries["dir/alias.txt"].LinkTarget));
        Assert.Equal((EntryKind.Symlink, "nowhere/at/all"), (entries["dangling"].Kind, entries["dangling"].LinkTarget));
        Assert.Equal(0, entries["dir/alias.txt"].Size);
        Assert.Null(entries["dir/file.txt"].LinkTarget);
    }

    [Fact]
    public void Scan_Exclusions_SkipFilesAndDoNotEnterFolders()
    {
        _tree.File("keep.txt");
        _tree.File("scratch.tmp");
        _tree.File("app/node_modules/pkg/index.js");
        _tree.File("big/movie.iso");
        _tree.File("app/src/main.js");

        var scanner = new TreeScanner(new ExclusionRules(["big/**"]), (path, reason) => _skipped.Add((path, reason)));
        var paths = scanner.Scan(_tree.Root).Select(entry => entry.CatalogPath[(RootCatalog.Length + 1)..]);

        Assert.Equal(["app/src/main.js", "keep.txt"], paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Scan_Fifo_SkippedWithReason()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "fifos need a Unix file system");
        _tree.File("before.txt");
        var fifo = _tree.PathOf("pipe");
        Assert.Equal(0, mkfifo(fifo, 0x1B6));

        var paths = Scan().Select(entry => entry.LocalPath).ToList();

        Assert.Equal([_tree.PathOf("before.txt")], paths);
        var skipped = Assert.Single(_skipped);
        Assert.Equal(fifo, skipped.Path);
        Assert.Contains("fifo", skipped.Reason);
    }

    [Fact]
    public void Scan_UnreadableFolder_ReportedUnlessRunningWithPrivilege()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permission bits; Windows ACLs are another test's business.
        }

        _tree.File("ok.txt");
        _tree.File("locked/secret.txt");
        File.SetUnixFileMode(_tree.PathOf("locked"), UnixFileMode.None);
        var canStillList = CanList(_tree.PathOf("locked"));

        var paths = Scan().Select(entry => Path.GetFileName(entry.LocalPath)).ToList();

        if (canStillList)
        {
            // Running as root (CI containers): permissions do not block reads, so the folder is
            // simply scanned. The walk must still complete and report nothing.
            Assert.Equal(["ok.txt", "secret.txt"], paths.Order(StringComparer.Ordinal));
            Assert.Empty(_skipped);
        }
        else
        {
            Assert.Equal(["ok.txt"], paths);
            Assert.Equal((_tree.PathOf("locked"), "permission denied"), Assert.Single(_skipped));
        }
    }

    [Fact]
    public void Scan_FolderRemovedMidScan_ReportedAndScanContinues()
    {
        _tree.File("one/a.txt");
        _tree.File("two/b.txt");
        var yielded = new List<string>();

        foreach (var entry in Scan())
        {
            if (yielded.Count == 0)
            {
                // Both folders were listed in the root before either was entered: remove the
                // one not entered yet.
                var other = Path.GetFileName(Path.GetDirectoryName(entry.LocalPath)) == "one" ? "two" : "one";
                Directory.Delete(_tree.PathOf(other), recursive: true);
            }

            yielded.Add(entry.LocalPath);
        }

        var skipped = Assert.Single(_skipped);
        Assert.Single(yielded);
        Assert.NotEqual(Path.GetDirectoryName(yielded[0]), skipped.Path);
        Assert.Contains("disappeared", skipped.Reason);
    }

    [Fact]
    public void Scan_MissingRoot_ReportedNotFound()
    {
        var missing = _tree.PathOf("not-there");

        Assert.Empty(Scan(missing));
        Assert.Equal((missing, "not found"), Assert.Single(_skipped));
    }

    [Fact]
    public void Scan_RootIsFile_YieldsThatFile()
    {
        var file = _tree.File("only.txt", "abc");

        var entry = Assert.Single(Scan(file));

        Assert.Equal(CatalogPath.FromLocal(file), entry.CatalogPath);
        Assert.Equal(3, entry.Size);
    }

    private string RootCatalog => CatalogPath.FromLocal(_tree.Root);

    private IEnumerable<ScannedEntry> Scan(string? root = null) =>
        new TreeScanner(new ExclusionRules(), (path, reason) => _skipped.Add((path, reason))).Scan(root ?? _tree.Root);

    private static bool CanList(string folder)
    {
        try
        {
            _ = Directory.EnumerateFileSystemEntries(folder).ToList();
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
