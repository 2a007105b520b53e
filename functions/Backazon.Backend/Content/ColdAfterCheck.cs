using Azure;
using Azure.Storage.Blobs.Models;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Content;

/// <summary>
/// Moves content to the cold tier once a commit has checked it, when the plan keeps every version
/// long enough for cold to cost less than hot, early deletion counted (infra/cost-model.md,
/// "Which tier"). The check has already read it while hot, so it never pays cold's retrieval
/// charge; restores read it through the same signed links (cold is online).
/// <para>
/// Only content that is one blob of its own is moved, with Set Blob Tier: an explicit tier bills
/// a blob for all its blocks, which for such a blob is what it holds anyway. Chunked content is a
/// snapshot of a lineage blob sharing blocks with the file's other versions: a tier of its own
/// would bill every version whole, so it keeps the account's default tier. Content checked as a
/// snapshot (sent in blocks) moves its blob now; the snapshot, which restores read until
/// <see cref="ContentTiering"/> moves them onto the blob, keeps the default tier for that week.
/// </para>
/// <para>
/// A move is a hint, like tiering's tag: if it fails the content stays hot, which costs more and
/// loses nothing.
/// </para>
/// </summary>
public sealed class ColdAfterCheck(AccountStore accounts, PlanCatalog plans, ContentBlobs blobs, IOptions<LifecycleOptions> options, ILogger<ColdAfterCheck> logger)
{
    /// <summary>A move is one cold write ($0.18 per 10,000 in East US LRS); a month of cold saves
    /// $0.0172 per GB against hot, which pays for the write from about 1 MB.</summary>
    public const long MinBytes = 1024 * 1024;

    /// <summary>Content leaving cold before 90 days is charged the rest: 90 days at $0.0036 cost
    /// what 15.6 days of hot do ($0.0208), so cold pays only for content kept at least this long.</summary>
    public const int MinKeptDays = 16;

    /// <summary>Whether the plan keeps every version at least <see cref="MinKeptDays"/>: old
    /// versions and deleted files' last versions both (0 is for ever).</summary>
    public static bool PlanKeepsLongEnough(RetentionRules rules) =>
        rules.VersionHistoryDays is 0 or >= MinKeptDays && rules.DeletedRetentionDays is 0 or >= MinKeptDays;

    /// <summary>Whether checked content is moved: one blob of its own, and big enough.</summary>
    public static bool Fits(ContentEntity content) =>
        content.IsVerified && content.Blob is null && content.Size >= MinBytes;

    /// <summary>Moves the checked contents a commit will point at (see the class). Returns how
    /// many moved.</summary>
    public async Task<int> MoveAsync(string accountId, IEnumerable<ContentEntity> checkedContents, CancellationToken cancellationToken = default)
    {
        var fitting = checkedContents.Where(Fits).ToList();
        if (!options.Value.ColdAfterCheck || fitting.Count == 0)
        {
            return 0;
        }

        if (!PlanKeepsLongEnough(await RulesOfAsync(accountId, cancellationToken)))
        {
            return 0;
        }

        var moved = 0;
        foreach (var content in fitting)
        {
            try
            {
                await blobs.Blob(accountId, content.Hash).SetAccessTierAsync(AccessTier.Cold, cancellationToken: cancellationToken);
                moved++;
            }
            catch (RequestFailedException e)
            {
                logger.LogWarning(e, "Moving content {Hash} of account {Account} to cold failed; it stays hot.", content.Hash, accountId);
            }
        }

        return moved;
    }

    /// <summary>The account's plan's history; a plan this backend does not know keeps content hot.</summary>
    private async Task<RetentionRules> RulesOfAsync(string accountId, CancellationToken cancellationToken)
    {
        var account = await accounts.GetAccountAsync(accountId, cancellationToken);
        try
        {
            var plan = plans.Get(account.PlanId);
            return new RetentionRules(plan.VersionHistoryDays, plan.DeletedRetentionDays);
        }
        catch (BackazonException)
        {
            logger.LogWarning("Account {Account} has plan {Plan}, which this backend does not know; its content stays hot.", accountId, account.PlanId);
            return new RetentionRules(1, 1);
        }
    }
}
