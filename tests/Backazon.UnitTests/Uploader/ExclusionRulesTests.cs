using Backazon.Uploader.Scanning;

namespace Backazon.UnitTests.Uploader;

public sealed class ExclusionRulesTests
{
    private readonly ExclusionRules _defaults = new();

    [Theory]
    [InlineData("node_modules")]
    [InlineData("src/app/node_modules")]
    [InlineData(".cache")]
    [InlineData("projects/x/__pycache__")]
    [InlineData(".Trash-1000")]
    [InlineData("AppData/Local/Temp")]
    [InlineData("Library/Caches")]
    public void IsExcluded_DefaultFolder_IsExcluded(string folder) =>
        Assert.True(_defaults.IsExcluded(folder, isDirectory: true));

    [Theory]
    [InlineData("a/b.tmp")]
    [InlineData("x.tmp")]
    [InlineData("Documents/~$report.docx")]
    [InlineData("Pictures/Thumbs.db")]
    [InlineData(".DS_Store")]
    [InlineData("node_modules/left-pad/index.js")]
    public void IsExcluded_DefaultFile_IsExcluded(string file) =>
        Assert.True(_defaults.IsExcluded(file, isDirectory: false));

    [Theory]
    [InlineData("src/main.cs", false)]
    [InlineData("node_modules.txt", false)]
    [InlineData("a.tmp.txt", false)]
    [InlineData("cache/data.bin", false)]
    [InlineData("repo/.git/objects/ab/cdef", false)]
    [InlineData("repo/.git", true)]
    [InlineData("Documents", true)]
    [InlineData("notes.tmp", true)] // *.tmp names files; a folder so named is kept
    public void IsExcluded_OrdinaryPath_IsKept(string path, bool isDirectory) =>
        Assert.False(_defaults.IsExcluded(path, isDirectory));

    [Fact]
    public void IsExcluded_UserPatterns_AddToDefaults()
    {
        var rules = new ExclusionRules(["**/*.iso", "Videos/**"]);

        Assert.True(rules.IsExcluded("Downloads/ubuntu.iso", isDirectory: false));
        Assert.True(rules.IsExcluded("Videos", isDirectory: true));
        Assert.False(rules.IsExcluded("Music/Videos", isDirectory: true)); // anchored at the root
        Assert.True(rules.IsExcluded("x.tmp", isDirectory: false));
        Assert.Equal(ExclusionRules.Defaults.Count + 2, rules.Patterns.Count);
    }

    [Fact]
    public void IsExcluded_BareName_IsAFileOrFolderOfThatNameAtAnyDepth_AsGitignoreReadsIt()
    {
        var rules = new ExclusionRules(["sub", "*.log"], includeDefaults: false);

        Assert.True(rules.IsExcluded("sub", isDirectory: true));
        Assert.True(rules.IsExcluded("a/b/sub", isDirectory: true));
        Assert.True(rules.IsExcluded("sub/inside.txt", isDirectory: false)); // what was under it
        Assert.True(rules.IsExcluded("a/sub", isDirectory: false));
        Assert.True(rules.IsExcluded("deep/er/x.log", isDirectory: false));
        Assert.False(rules.IsExcluded("subway", isDirectory: true));
        Assert.False(rules.IsExcluded("a/sub.txt", isDirectory: false));
    }

    [Fact]
    public void IsExcluded_SlashInside_IsAnchored_TrailingSlash_IsFoldersOnly()
    {
        var rules = new ExclusionRules(["docs/drafts", "/top.txt", "build/"], includeDefaults: false);

        Assert.True(rules.IsExcluded("docs/drafts", isDirectory: true));
        Assert.True(rules.IsExcluded("docs/drafts/one.md", isDirectory: false));
        Assert.False(rules.IsExcluded("old/docs/drafts", isDirectory: true));
        Assert.True(rules.IsExcluded("top.txt", isDirectory: false));
        Assert.False(rules.IsExcluded("a/top.txt", isDirectory: false));
        Assert.True(rules.IsExcluded("x/build", isDirectory: true));
        Assert.False(rules.IsExcluded("x/build", isDirectory: false)); // a file named build stays
    }

    [Fact]
    public void IsExcluded_DefaultsOff_OnlyUserPatternsApply()
    {
        var rules = new ExclusionRules(["**/*.log"], includeDefaults: false);

        Assert.True(rules.IsExcluded("a/b.log", isDirectory: false));
        Assert.False(rules.IsExcluded("node_modules", isDirectory: true));
        Assert.False(rules.IsExcluded("x.tmp", isDirectory: false));
    }

    [Fact]
    public void IsExcluded_UnicodeName_MatchesExactly()
    {
        var rules = new ExclusionRules(["**/caf\u00e9/**"], includeDefaults: false);

        Assert.True(rules.IsExcluded("a/caf\u00e9", isDirectory: true));
        Assert.False(rules.IsExcluded("a/cafe\u0301", isDirectory: true));
    }

    [Fact]
    public void Excluded_AFolderListing_AnswersLikeIsExcludedForEachEntry()
    {
        var rules = new ExclusionRules(["docs/*.bak", "**/secret/**"]);
        (string, bool)[] entries =
        [
            ("a.tmp", false), ("a.txt", false), ("docs/x.bak", false), ("docs/x.txt", false), ("node_modules", true),
            ("src", true), ("secret", true), ("deep/secret", true), ("caf\u00e9.tmp", false), ("back\\slash.txt", false),
            ("tab\tname.swp", false), ("Thumbs.db", false), ("thumbs.db", false), ("~$report.docx", false),
        ];

        var excluded = rules.Excluded(entries);

        Assert.All(entries, e => Assert.Equal(rules.IsExcluded(e.Item1, e.Item2), excluded.Contains(e.Item1)));
        Assert.Contains("a.tmp", excluded);
        Assert.DoesNotContain("a.txt", excluded);
    }
}
