using Backazon.Contracts;

namespace Backazon.Backend.Plans;

/// <summary>One version of one file as retention sees it: its kind (file, symlink or deleted) and
/// when it was committed.</summary>
public sealed record RetainedVersion(string Kind, DateTimeOffset CommittedAt);

/// <summary>What the plan promises to keep, in days; 0 means forever.</summary>
public sealed record RetentionRules(int VersionHistoryDays, int DeletedRetentionDays);

public sealed record RetentionDecision(RetainedVersion Version, bool Keep, string Reason);

/// <summary>
/// Which versions of one file the plan still promises, as a pure function of the versions
/// (newest first), the plan and the time. The rules:
/// <list type="number">
/// <item>The version in force now (the newest, when it is not a deletion) is always kept.</item>
/// <item>An older version is kept while it was in force at some moment of the last
/// VersionHistoryDays: it was superseded less than that many days ago. So "restore as of any
/// moment inside the history" always finds the version that was in force then.</item>
/// <item>A deleted file (newest version is a deletion) keeps its deletion marker and the last
/// version before it for DeletedRetentionDays after the deletion; older versions follow rule 2.
/// Once the deletion is older than that, every version of the file goes.</item>
/// <item>0 days means forever. A boundary moment counts as expired (exactly N days ago: removed).</item>
/// </list>
/// Kept versions are always the newest ones (a prefix of the list), so what remains is a
/// consistent history: there is never a gap that would make an older version look current.
/// </summary>
public static class RetentionPolicy
{
    public const string Current = "current version";
    public const string InHistory = "superseded inside the version history";
    public const string HistoryExpired = "superseded before the version history";
    public const string DeletedKept = "deleted file inside the deleted-file retention";
    public const string DeletedExpired = "deleted file past the deleted-file retention";

    public static IReadOnlyList<RetentionDecision> Apply(IReadOnlyList<RetainedVersion> newestFirst, RetentionRules rules, DateTimeOffset now)
    {
        for (var i = 1; i < newestFirst.Count; i++)
        {
            if (newestFirst[i].CommittedAt > newestFirst[i - 1].CommittedAt)
            {
                throw new ArgumentException("Versions must be ordered newest first.", nameof(newestFirst));
            }
        }

        var decisions = new List<RetentionDecision>(newestFirst.Count);
        if (newestFirst.Count == 0)
        {
            return decisions;
        }

        var start = 0;
        if (newestFirst[0].Kind == EntryKinds.Deleted)
        {
            // The deletion marker, any further markers, and the last version that had content.
            var deletedAt = newestFirst[0].CommittedAt;
            var kept = Within(deletedAt, rules.DeletedRetentionDays, now);
            while (start < newestFirst.Count)
            {
                var version = newestFirst[start++];
                decisions.Add(new(version, kept, kept ? DeletedKept : DeletedExpired));
                if (version.Kind != EntryKinds.Deleted)
                {
                    break;
                }
            }

            if (!kept)
            {
                decisions.AddRange(newestFirst.Skip(start).Select(v => new RetentionDecision(v, false, DeletedExpired)));
                return decisions;
            }
        }
        else
        {
            decisions.Add(new(newestFirst[0], true, Current));
            start = 1;
        }

        for (var i = start; i < newestFirst.Count; i++)
        {
            // In force from its commit until the next version's commit.
            var supersededAt = newestFirst[i - 1].CommittedAt;
            var kept = Within(supersededAt, rules.VersionHistoryDays, now);
            decisions.Add(new(newestFirst[i], kept, kept ? InHistory : HistoryExpired));
        }

        return decisions;
    }

    /// <summary>
    /// When the next of the versions kept now would be removed, under the same rules: the moment
    /// a kept older version's superseding is <c>VersionHistoryDays</c> old, or a kept deletion
    /// <c>DeletedRetentionDays</c> old. Null when nothing kept will ever go (only the current
    /// version, or "forever" plans). What the daily sweep is told to come back for.
    /// </summary>
    public static DateTimeOffset? NextRemoval(IReadOnlyList<RetainedVersion> newestFirst, RetentionRules rules, DateTimeOffset now)
    {
        var decisions = Apply(newestFirst, rules, now);
        DateTimeOffset? next = null;
        for (var i = 0; i < decisions.Count; i++)
        {
            if (decisions[i].Keep && RemovalOf(newestFirst, i, rules) is { } at && (next is null || at < next))
            {
                next = at;
            }
        }

        return next;
    }

    /// <summary>
    /// When the plan removes version <paramref name="index"/> (one it keeps now): its superseding
    /// plus <c>VersionHistoryDays</c>; for a deleted file, no later than the deletion plus
    /// <c>DeletedRetentionDays</c>. Null when never: the version in force, or "forever" plans.
    /// </summary>
    public static DateTimeOffset? RemovalOf(IReadOnlyList<RetainedVersion> newestFirst, int index, RetentionRules rules)
    {
        var deleted = newestFirst[0].Kind == EntryKinds.Deleted;
        if (index == 0 && !deleted)
        {
            return null;
        }

        var byDeletion = deleted ? At(newestFirst[0].CommittedAt, rules.DeletedRetentionDays) : null;
        // The deletion markers and the last version before them leave with the deletion.
        var lastBeforeDeletion = deleted && newestFirst.Take(index).All(v => v.Kind == EntryKinds.Deleted);
        var byHistory = index == 0 || lastBeforeDeletion ? null : At(newestFirst[index - 1].CommittedAt, rules.VersionHistoryDays);
        return byHistory is { } h && byDeletion is { } d ? (h < d ? h : d) : byHistory ?? byDeletion;
    }

    private static DateTimeOffset? At(DateTimeOffset moment, int days) => days == 0 ? null : moment + TimeSpan.FromDays(days);

    /// <summary>Whether a moment is less than <paramref name="days"/> days before now (0: always).</summary>
    private static bool Within(DateTimeOffset moment, int days, DateTimeOffset now) =>
        days == 0 || moment > now - TimeSpan.FromDays(days);
}
