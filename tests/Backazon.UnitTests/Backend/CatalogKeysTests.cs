using System.Text;
using Backazon.Backend.Catalog;

namespace Backazon.UnitTests.Backend;

/// <summary>Keys must hold any name (Table storage refuses '/', '\', '#', '?' and control
/// characters in keys) and stay inside its 1 KiB key limit, however long the name or path.</summary>
public sealed class CatalogKeysTests
{
    private const int MaxKeyBytes = 1024;

    [Theory]
    [InlineData("tab\there")]
    [InlineData("new\nline\r")]
    [InlineData("\u0001\u001f\u007f\u0085\u009f")]
    [InlineData("a/b\\c#d?e")]
    public void NameKey_ForbiddenCharacters_AreEscaped(string name)
    {
        var key = CatalogKeys.FileRow(name, DateTimeOffset.UtcNow);

        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
    }

    [Theory]
    [InlineData("tab\there", "tab%0009here")]
    [InlineData("tab%0009here", "tab%00250009here")]
    public void NameKey_EscapeAndItsSpellingOut_StayDifferent(string name, string expected) =>
        Assert.Equal(expected, CatalogKeys.NameKey(name));

    public static TheoryData<string> LongNames => new()
    {
        new string('\t', 255),                                   // every character escaped
        string.Concat(Enumerable.Repeat("\u00fc", 127)) + "x",    // a 255-byte UTF-8 name
        string.Concat(Enumerable.Repeat("\ud83c\udf89", 63)),     // 252 bytes of surrogate pairs
        new string('\u65e5', 85),                                 // 255 bytes of CJK
        new string('n', 4000),                                    // longer than any file system allows
    };

    [Theory]
    [MemberData(nameof(LongNames))]
    public void Keys_LongNamesAndPaths_StayInsideTheKeyLimit(string name)
    {
        var folder = string.Join('/', Enumerable.Repeat(name, 8));

        foreach (var key in new[] { CatalogKeys.FileRow(name, DateTimeOffset.UtcNow), CatalogKeys.FolderRow(name), CatalogKeys.Partition("acct", "dev", folder) })
        {
            // The limit in UTF-16 (how the service stores strings) is the tighter one.
            Assert.InRange(Encoding.Unicode.GetByteCount(key), 1, MaxKeyBytes);
            Assert.InRange(Encoding.UTF8.GetByteCount(key), 1, MaxKeyBytes);
        }
    }

    [Fact]
    public void NameKey_TwoLongNamesDifferingAtTheEnd_GetDifferentKeys() =>
        Assert.NotEqual(CatalogKeys.NameKey(new string('\t', 300) + "a"), CatalogKeys.NameKey(new string('\t', 300) + "b"));

    [Theory]
    [InlineData("new\nline", "new\nlinex")]
    [InlineData("new\nline", "new\nline\u0000")]
    [InlineData("a", "a|b")]
    public void FileRows_OfOneName_AreInItsRangeAndNoOtherNameIs(string name, string other)
    {
        Assert.True(InRange(CatalogKeys.FileRow(name, DateTimeOffset.UtcNow), name));
        Assert.False(InRange(CatalogKeys.FileRow(other, DateTimeOffset.UtcNow), name));

        static bool InRange(string row, string name) =>
            string.CompareOrdinal(row, CatalogKeys.FileRowsStart(name)) > 0 && string.CompareOrdinal(row, CatalogKeys.FileRowsEnd(name)) < 0;
    }
}
