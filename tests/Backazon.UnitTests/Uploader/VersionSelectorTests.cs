using Backazon.Contracts;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;

namespace Backazon.UnitTests.Uploader;

public sealed class VersionSelectorTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 25, 13, 0, 0, TimeSpan.Zero);

    private static CatalogItem Version(string id, string kind = EntryKinds.File, int minutes = 0) =>
        new("home/a/x.txt", kind, 3, kind == EntryKinds.File ? "abc" : null, null, null, T.AddMinutes(minutes), null, id);

    private static readonly CatalogItem[] Versions =
        [Version("dead0001aaaaaaaa", EntryKinds.Deleted, 3), Version("beef0002bbbbbbbb", minutes: 2), Version("beef0003cccccccc", minutes: 1)];

    [Fact]
    public void Pick_UniquePrefix_IsThatVersion_CaseIgnored() =>
        Assert.Equal(T.AddMinutes(1), VersionSelector.Pick(Versions, "BEEF0003", "~/x.txt").VersionAt);

    [Fact]
    public void Pick_AmbiguousPrefix_SaysSoInOneSentenceWithTheCandidates()
    {
        var e = Assert.Throws<CliException>(() => VersionSelector.Pick(Versions, "beef", "~/x.txt"));
        Assert.Equal("'beef' starts the ids of 2 versions of '~/x.txt' (beef0002bbbbbbbb, beef0003cccccccc); give more of it.", e.Message);
    }

    [Fact]
    public void Pick_Unknown_OrTheDeletion_IsRefused()
    {
        Assert.Contains("has no version 0bad", Assert.Throws<CliException>(() => VersionSelector.Pick(Versions, "0bad", "~/x.txt")).Message);
        Assert.Contains("is its deletion", Assert.Throws<CliException>(() => VersionSelector.Pick(Versions, "dead", "~/x.txt")).Message);
    }
}
