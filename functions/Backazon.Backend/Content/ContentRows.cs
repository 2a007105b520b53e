using Backazon.Backend.Accounts;

namespace Backazon.Backend.Content;

/// <summary>
/// Finds content rows by hash for the rest of the backend. Content rows live in the account's
/// partition of the accounts table (<see cref="ContentEntity"/>); their keys are this module's,
/// so code outside it asks here instead of spelling them (see BackendShapeTests).
/// </summary>
public sealed class ContentRows(AccountStore accounts)
{
    /// <summary>Point reads at once, this many at most.</summary>
    private const int ReadsInFlight = 16;

    /// <summary>The row of one content of the account, or null when the account has none.</summary>
    public async Task<ContentEntity?> FindAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        var found = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>The rows of many contents of the account, by hash (those it has none for are left
    /// out), read together: a point read each, several in flight. (A query could name at most 15
    /// keys in its filter, and costs a request per page all the same.)</summary>
    public async Task<IReadOnlyDictionary<string, ContentEntity>> FindManyAsync(string accountId, IEnumerable<string> hashes, CancellationToken cancellationToken = default)
    {
        var rows = new System.Collections.Concurrent.ConcurrentDictionary<string, ContentEntity>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(hashes.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = ReadsInFlight, CancellationToken = cancellationToken }, async (hash, ct) =>
        {
            if (await FindAsync(accountId, hash, ct) is { } row)
            {
                rows[hash] = row;
            }
        });
        return rows;
    }
}
