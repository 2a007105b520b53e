using Backazon.Uploader.Scanning;

namespace Backazon.UnitTests.Uploader;

public sealed class CatalogPathTests
{
    [Theory]
    [InlineData("/home/a/x.txt", "home/a/x.txt")]
    [InlineData("/", "")]
    [InlineData("/home//a/./b/", "home/a/b")]
    [InlineData("/home/a\\b", "home/a\\b")] // a backslash is a plain character on Unix
    public void FromLocal_UnixPath_DropsLeadingSlash(string local, string expected) =>
        Assert.Equal(expected, CatalogPath.FromLocal(local, windows: false));

    [Theory]
    [InlineData(@"C:\Users\a", "C/Users/a")]
    [InlineData(@"c:\Users\a\", "C/Users/a")]
    [InlineData(@"D:\", "D")]
    [InlineData(@"\\?\C:\long\path", "C/long/path")]
    [InlineData(@"\\server\share\x", "UNC/server/share/x")]
    [InlineData(@"\\?\UNC\server\share\x", "UNC/server/share/x")]
    public void FromLocal_WindowsPath_DriveBecomesFirstSegment(string local, string expected) =>
        Assert.Equal(expected, CatalogPath.FromLocal(local, windows: true));

    [Theory]
    [InlineData("/home/a/x.txt", false)]
    [InlineData("/", false)]
    [InlineData(@"C:\Users\a\x.txt", true)]
    [InlineData(@"D:\", true)]
    [InlineData(@"\\server\share\x", true)]
    public void ToOriginal_IsTheInverseOfFromLocal(string local, bool windows) =>
        Assert.Equal(local, CatalogPath.ToOriginal(CatalogPath.FromLocal(local, windows), windows));

    [Fact]
    public void FromLocal_NfcAndNfd_StayDistinct()
    {
        var nfc = CatalogPath.FromLocal("/home/caf\u00e9", windows: false);
        var nfd = CatalogPath.FromLocal("/home/cafe\u0301", windows: false);

        Assert.Equal("home/caf\u00e9", nfc);
        Assert.Equal("home/cafe\u0301", nfd);
        Assert.NotEqual(nfc, nfd);
    }

    [Theory]
    [InlineData("relative/x", false)]
    [InlineData("/home/../etc", false)]
    [InlineData(@"relative\x", true)]
    [InlineData(@"C:relative", true)]
    public void FromLocal_NotAbsoluteOrNotNormalized_Throws(string local, bool windows) =>
        Assert.Throws<ArgumentException>(() => CatalogPath.FromLocal(local, windows));

    [Fact]
    public void ToLocal_PlainPath_JoinsUnderRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "restore");

        var local = CatalogPath.ToLocal("home/a/caf\u00e9.txt", root);

        Assert.Equal(Path.Combine(root, "home", "a", "caf\u00e9.txt"), local);
    }

    [Fact]
    public void ToLocal_FileSystemRootAsTarget_JoinsUnderIt()
    {
        var root = Path.GetPathRoot(Path.GetTempPath())!;

        Assert.Equal(Path.Combine(root, "a", "b"), CatalogPath.ToLocal("a/b", root));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("a/..")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("a/b\0c")]
    public void ToLocal_Escape_Throws(string catalogPath)
    {
        var error = Assert.Throws<UnsafePathException>(() => CatalogPath.ToLocal(catalogPath, Path.GetTempPath()));
        Assert.Equal(catalogPath, error.CatalogPath);
    }

    [Theory]
    [InlineData("C:/Windows/x")]
    [InlineData("a/C:")]
    [InlineData(@"a\..\..\x")]
    [InlineData(@"\x")]
    [InlineData("a/CON")]
    [InlineData("a/nul.txt")]
    [InlineData("com1")]
    [InlineData("x/LPT9.log")]
    [InlineData("x/AUX .txt")]
    [InlineData("a/file.")]
    [InlineData("a/file ")]
    [InlineData("a/file:stream")]
    [InlineData("a/what?")]
    public void Problem_WindowsRules_RefuseDrivesDevicesAndSeparators(string catalogPath) =>
        Assert.NotNull(CatalogPath.Problem(catalogPath, windows: true));

    [Theory]
    [InlineData("C/Users/a/notes.txt")]
    [InlineData("a/CONFIG/x")]
    [InlineData("a/COM10")]
    [InlineData("a/console.log")]
    [InlineData("a/.hidden")]
    public void Problem_WindowsRules_AllowOrdinaryNames(string catalogPath) =>
        Assert.Null(CatalogPath.Problem(catalogPath, windows: true));

    [Theory]
    [InlineData("a/CON")]
    [InlineData("a/b\\c")]
    [InlineData("a/x:y")]
    public void Problem_UnixRules_AllowWhatWindowsReserves(string catalogPath) =>
        Assert.Null(CatalogPath.Problem(catalogPath, windows: false));

    [Theory]
    [InlineData("home/a", "home/a", true)]
    [InlineData("home/a/x", "home/a", true)]
    [InlineData("home/ab/x", "home/a", false)]
    [InlineData("home/a0", "home/a", false)]
    [InlineData("home", "home/a", false)]
    [InlineData("anything", "", true)]
    public void IsSameOrUnder_FolderPrefix_RespectsSegments(string path, string folder, bool expected)
    {
        Assert.Equal(expected, CatalogPath.IsSameOrUnder(path, folder));
        Assert.Equal(expected, CatalogPath.IsSameOrUnderAny(path, new HashSet<string> { folder, "elsewhere" }));
    }
}
