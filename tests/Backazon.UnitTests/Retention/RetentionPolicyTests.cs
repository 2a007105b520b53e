using System.Text.Json;
using Backazon.Backend.Plans;
using Backazon.Contracts;

namespace Backazon.UnitTests.Retention;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RetentionRules ThirtyThirty = new(30, 30);

    private static RetainedVersion File(double daysAgo) => new(EntryKinds.File, Now.AddDays(-daysAgo));
    private static RetainedVersion Deleted(double daysAgo) => new(EntryKinds.Deleted, Now.AddDays(-daysAgo));

    private static bool[] Keeps(RetentionRules rules, params RetainedVersion[] newestFirst) =>
        RetentionPolicy.Apply(newestFirst, rules, Now).Select(d => d.Keep).ToArray();

    [Fact]
    public void NextRemoval_OnlyTheCurrentVersion_IsNever() =>
        Assert.Null(RetentionPolicy.NextRemoval([File(400)], ThirtyThirty, Now));

    [Fact]
    public void NextRemoval_OlderVersions_IsWhenTheOldestKeptOneLeavesTheHistory() =>
        // Superseded 2 and 10 days ago: the one superseded 10 days ago goes in 20 days.
        Assert.Equal(Now.AddDays(20), RetentionPolicy.NextRemoval([File(2), File(10), File(40)], ThirtyThirty, Now));

    [Fact]
    public void NextRemoval_DeletedFile_IsWhenTheDeletionIsOldEnough() =>
        Assert.Equal(Now.AddDays(25), RetentionPolicy.NextRemoval([Deleted(5), File(6)], new RetentionRules(30, 30), Now));

    [Fact]
    public void NextRemoval_ForeverPlan_IsNever() =>
        Assert.Null(RetentionPolicy.NextRemoval([File(2), File(10)], new RetentionRules(0, 0), Now));

    [Fact]
    public void RemovalOf_TheVersionInForce_IsNever_AnOlderOne_IsItsSupersedingPlusTheHistory()
    {
        RetainedVersion[] versions = [File(2), File(10)];
        Assert.Null(RetentionPolicy.RemovalOf(versions, 0, new RetentionRules(365, 90)));
        Assert.Equal(Now.AddDays(363), RetentionPolicy.RemovalOf(versions, 1, new RetentionRules(365, 90)));
        Assert.Null(RetentionPolicy.RemovalOf(versions, 1, new RetentionRules(0, 90)));
    }

    [Fact]
    public void RemovalOf_ADeletedFile_GoesWithTheDeletion_NoLaterThanItsHistory()
    {
        // Deleted 5 days ago; the last version before it goes with the deletion, in 85 days; the
        // one before that leaves the history (superseded 20 days ago) in 10, before the deletion does.
        RetainedVersion[] versions = [Deleted(5), File(20), File(40)];
        var rules = new RetentionRules(30, 90);
        Assert.Equal(Now.AddDays(85), RetentionPolicy.RemovalOf(versions, 0, rules));
        Assert.Equal(Now.AddDays(85), RetentionPolicy.RemovalOf(versions, 1, rules));
        Assert.Equal(Now.AddDays(10), RetentionPolicy.RemovalOf(versions, 2, rules));
        Assert.Equal(Now.AddDays(85), RetentionPolicy.RemovalOf(versions, 2, new RetentionRules(0, 90)));
    }

    [Fact]
    public void NextRemoval_IsAlwaysAfterNow_AndRemovesSomethingThen()
    {
        RetainedVersion[] versions = [File(1), File(3), File(29.5), File(31)];
        var next = RetentionPolicy.NextRemoval(versions, ThirtyThirty, Now)!.Value;

        Assert.True(next > Now);
        var keptNow = RetentionPolicy.Apply(versions, ThirtyThirty, Now).Count(d => d.Keep);
        Assert.True(RetentionPolicy.Apply(versions, ThirtyThirty, next).Count(d => d.Keep) < keptNow);
        Assert.Equal(keptNow, RetentionPolicy.Apply(versions, ThirtyThirty, next.AddTicks(-1)).Count(d => d.Keep));
    }

    [Fact]
    public void Apply_NoVersions_DecidesNothing() =>
        Assert.Empty(RetentionPolicy.Apply([], ThirtyThirty, Now));

    [Fact]
    public void Apply_OnlyVersionVeryOld_IsKeptAsCurrent() =>
        Assert.Equal([true], Keeps(ThirtyThirty, File(3000)));

    [Fact]
    public void Apply_CurrentVersion_IsKeptWhateverThePlan()
    {
        var decision = RetentionPolicy.Apply([File(1000), File(2000)], new RetentionRules(1, 1), Now);
        Assert.Equal((true, RetentionPolicy.Current), (decision[0].Keep, decision[0].Reason));
        Assert.False(decision[1].Keep);
    }

    [Theory]
    [InlineData(29.9, true)]
    [InlineData(30, false)]
    [InlineData(31, false)]
    public void Apply_OldVersion_KeptWhileSupersededInsideHistory(double supersededDaysAgo, bool kept) =>
        Assert.Equal([true, kept], Keeps(ThirtyThirty, File(supersededDaysAgo), File(400)));

    [Fact]
    public void Apply_VersionCommittedLongAgoButSupersededRecently_IsKept() =>
        // In force until yesterday: "as of a week ago" needs it.
        Assert.Equal([true, true], Keeps(ThirtyThirty, File(1), File(365)));

    [Fact]
    public void Apply_ManyVersions_KeptOnesAreTheNewest()
    {
        var versions = Enumerable.Range(0, 50).Select(i => File(i * 3)).ToArray();
        var keeps = Keeps(ThirtyThirty, versions);
        Assert.Equal(keeps.OrderByDescending(k => k), keeps); // a prefix of trues, then falses
        Assert.Equal(11, keeps.Count(k => k)); // superseded at 0..27 days ago, plus the current one
    }

    [Fact]
    public void Apply_DeletedRecently_KeepsMarkerAndLastVersion() =>
        Assert.Equal([true, true, false], Keeps(ThirtyThirty, Deleted(5), File(100), File(200)));

    [Fact]
    public void Apply_DeletedLongAgo_RemovesEverything() =>
        Assert.Equal([false, false, false], Keeps(new RetentionRules(0, 30), Deleted(31), File(32), File(33)));

    [Fact]
    public void Apply_DeletedForeverPlan_KeepsMarkerAndLastVersion() =>
        Assert.Equal([true, true], Keeps(new RetentionRules(30, 0), Deleted(5000), File(6000)));

    [Fact]
    public void Apply_TwoDeletionMarkersInARow_KeepsBothAndTheVersionBefore() =>
        Assert.Equal([true, true, true], Keeps(ThirtyThirty, Deleted(1), Deleted(2), File(100)));

    [Fact]
    public void Apply_OnlyADeletionMarker_FollowsDeletedRetention()
    {
        Assert.Equal([true], Keeps(ThirtyThirty, Deleted(10)));
        Assert.Equal([false], Keeps(ThirtyThirty, Deleted(40)));
    }

    [Fact]
    public void Apply_DeletedWithOlderVersionsInsideHistory_KeepsThem() =>
        Assert.Equal([true, true, true, false], Keeps(new RetentionRules(60, 30), Deleted(5), File(10), File(70), File(100)));

    [Fact]
    public void Apply_ShortHistoryLongDeletedRetention_KeepsDeletedFileLonger() =>
        Assert.Equal([true, true, false], Keeps(new RetentionRules(7, 90), Deleted(60), File(61), File(100)));

    [Fact]
    public void Apply_VersionsOutOfOrder_Throws() =>
        Assert.Throws<ArgumentException>(() => RetentionPolicy.Apply([File(10), File(1)], ThirtyThirty, Now));

    [Fact]
    public void Apply_GoldenFiles_MatchExpectedDecisions()
    {
        var folder = GoldenFolder();
        var files = Directory.GetFiles(folder, "*.json");
        Assert.True(files.Length >= 5, $"golden files in {folder}");
        foreach (var file in files)
        {
            var golden = JsonSerializer.Deserialize<Golden>(System.IO.File.ReadAllText(file), JsonSerializerOptions.Web)!;
            var decisions = RetentionPolicy.Apply(
                golden.Versions.Select(v => new RetainedVersion(v.Kind, v.CommittedAt)).ToList(),
                new RetentionRules(golden.Plan.VersionHistoryDays, golden.Plan.DeletedRetentionDays), golden.Now);
            Assert.True(golden.Expected.Count == decisions.Count, $"{Path.GetFileName(file)}: one expected decision per version");
            for (var i = 0; i < decisions.Count; i++)
            {
                Assert.True((golden.Expected[i].Keep, golden.Expected[i].Reason) == (decisions[i].Keep, decisions[i].Reason),
                    $"{Path.GetFileName(file)}, version {i}: expected {golden.Expected[i]}, got keep={decisions[i].Keep} '{decisions[i].Reason}'");
            }
        }
    }

    private static string GoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Backazon.UnitTests", "Retention", "golden");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Backazon.UnitTests/Retention/golden not found above " + AppContext.BaseDirectory);
    }

    private sealed record Golden(string Description, DateTimeOffset Now, GoldenPlan Plan, List<GoldenVersion> Versions, List<GoldenDecision> Expected);

    private sealed record GoldenPlan(int VersionHistoryDays, int DeletedRetentionDays);

    private sealed record GoldenVersion(string Kind, DateTimeOffset CommittedAt);

    private sealed record GoldenDecision(bool Keep, string Reason);
}
