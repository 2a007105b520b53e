using Backazon.Backend.Catalog;
using Backazon.Backend.Errors;
using Backazon.Contracts;

namespace Backazon.UnitTests.Backend;

public sealed class CatalogPathRulesTests
{
    [Theory]
    [InlineData("home/a/tab\there")]
    [InlineData("home/a/new\nline")]
    [InlineData("home/a/cr\r\u0007\u001b[31m\u007f\u0085")]
    [InlineData("home/a/\u65e5\u672c\u8a9e/\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac/\u05e2\u05d1\u05e8\u05d9\u05ea/\ud83c\udf89")]
    [InlineData("home/a/back\\slash/what?#%|~")]
    public void ValidPath_AnyCharacterButNul_IsKeptExactly(string path) =>
        Assert.Equal(path, CatalogPathRules.ValidPath(path, "path"));

    [Fact]
    public void ValidPath_AsLongAsWindowsAllows_IsAccepted()
    {
        var path = string.Join('/', Enumerable.Repeat(new string('p', 254), 200))[..BackupLimits.MaxPathLength];
        Assert.Equal(32_767, path.Length);
        Assert.Equal(path, CatalogPathRules.ValidPath(path, "path"));
    }

    [Theory]
    [InlineData("a/nul\0byte")]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("C:/x")]
    [InlineData("a//b")]
    public void ValidPath_NulEscapesAndBrokenUnicode_AreRefusedNamingTheField(string path)
    {
        var refused = Assert.Throws<BackazonException>(() => CatalogPathRules.ValidPath(path, "files[3].path"));
        Assert.Equal(ProblemKind.BadRequest, refused.Kind);
        Assert.Equal("files[3].path", refused.Field);
    }

    [Fact]
    public void ValidPath_LoneSurrogate_IsRefused() =>
        // Built at run time: a lone surrogate in an attribute argument does not survive compilation.
        Assert.Throws<BackazonException>(() => CatalogPathRules.ValidPath("lone" + (char)0xD800 + "surrogate", "path"));

    [Fact]
    public void ValidPath_LongerThanWindowsAllows_IsRefusedSayingTheLimit()
    {
        var refused = Assert.Throws<BackazonException>(() => CatalogPathRules.ValidPath(new string('p', BackupLimits.MaxPathLength + 1), "path"));
        Assert.Contains("at most 32,767", refused.Detail);
    }
}
