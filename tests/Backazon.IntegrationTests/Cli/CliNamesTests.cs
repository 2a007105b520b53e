using System.Text;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Scanning;

namespace Backazon.IntegrationTests.Cli;

/// <summary>Names and paths as the platform allows them, not as we would like them: control
/// characters, 255-byte names, paths of 4,000 characters, every script.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliNamesTests(BackendFixture backend) : IAsyncLifetime
{
    private const int LinuxPathMax = 4095; // bytes, without the terminating NUL

    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-restore-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task BackupAndRestore_LegalButHostileNames_AreByteIdenticalWithNamesExact()
    {
        string[] names =
        [
            "tab\there.txt", "new\nline.txt", "cr\rreturn", "bell \u0007 esc \u001b[31m del \u007f c1 \u0085",
            string.Concat(Enumerable.Repeat("\u00fc", 127)) + "x", // 255 bytes
            "\u65e5\u672c\u8a9e.txt", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac", "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
            "\u0939\u093f\u0928\u094d\u0926\u0940", "\ud83c\udf89 party", "caf\u00e9", "cafe\u0301", "back\\slash", "what?#%|~*",
        ];
        Assert.Equal(255, Encoding.UTF8.GetByteCount(names[4]));
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            files[Path.Combine(_tree, "names", name)] = Encoding.UTF8.GetBytes($"file {i}: {name}");
        }

        // A path of 4,000 characters in the catalog, which restores under the longer target path.
        var deep = DeepPath("deep", catalogLength: 4000);
        files[deep] = Encoding.UTF8.GetBytes("deep down");

        // One that backs up (the source path fits Linux's limit) but whose restored path, longer
        // by the target's prefix, does not: it is listed, everything else restores.
        var tooLong = DeepPath("too-long", catalogLength: LinuxPathMax - 10);
        var tooLongBytes = Encoding.UTF8.GetBytes("cannot come back here");
        foreach (var (path, bytes) in files.Append(new(tooLong, tooLongBytes)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
        }

        var backup = await _machine.RunAsync("backup", _tree);
        Assert.True(backup.Code == ExitCodes.Success, backup.Out + backup.Error);

        // A name longer than Linux allows, as a system with longer names (Windows: 255 UTF-16
        // code units, up to 765 bytes) could have backed it up.
        var overlong = $"{CatalogPath.FromLocal(_tree)}/names/{string.Concat(Enumerable.Repeat("\u00e9", 200))}";
        using (var sameDevice = new TestDevice(backend, _machine.Device))
        {
            Assert.Empty((await sameDevice.BackupAsync((overlong, Encoding.UTF8.GetBytes("400 bytes of name")))).Rejected);
        }

        var restore = await _machine.RunAsync("restore", _tree, "--to", _target);

        Assert.True(restore.Code == ExitCodes.CompletedWithSkips, restore.Out + restore.Error);
        Assert.Contains($"failed {tooLong}: the name or path is too long for this file system", restore.Out);
        Assert.Contains($"failed /{overlong}: the name or path is too long for this file system", restore.Out);
        var restoredRoot = Path.Combine(_target, Path.GetFileName(_tree));
        var restored = Directory.GetFiles(restoredRoot, "*", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetRelativePath(restoredRoot, p), p => File.ReadAllBytes(p), StringComparer.Ordinal);
        var expected = files.ToDictionary(f => Path.GetRelativePath(_tree, f.Key), f => f.Value, StringComparer.Ordinal);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), restored.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, f => Assert.Equal(f.Value, restored[f.Key]));
        Assert.True(Encoding.UTF8.GetByteCount(Path.Combine(restoredRoot, Path.GetRelativePath(_tree, deep))) > 4000);
    }

    /// <summary>A file under <c>_tree/branch</c> whose catalog path (the absolute path without its
    /// leading '/') is exactly <paramref name="catalogLength"/> ASCII characters, in folders of
    /// 200 characters and a file name of at least 60.</summary>
    private string DeepPath(string branch, int catalogLength)
    {
        var path = Path.Combine(_tree, branch);
        while (catalogLength - (path.Length - 1) - 1 > 260)
        {
            path = Path.Combine(path, new string('d', 200));
        }

        var nameLength = catalogLength - (path.Length - 1) - 1;
        Assert.InRange(nameLength, 60, 255);
        var file = Path.Combine(path, new string('f', nameLength));
        Assert.Equal(catalogLength, CatalogPath.FromLocal(file).Length);
        return file;
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_target, recursive: true);
        return Task.CompletedTask;
    }
}
