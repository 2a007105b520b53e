using Backazon.Backend.Accounts;

namespace Backazon.Backend.Content;

/// <summary>
/// Finds content rows by hash for the rest of the backend. Content rows live in the account's
/// partition of the accounts table (<see cref="ContentEntity"/>); their keys are this module's,
/// so code outside it asks here instead of spelling them (see BackendShapeTests).
/// </summary>
public sealed class ContentRows(AccountStore accounts)
{
    /// <summary>The row of one content of the account, or null when the account has none.</summary>
    public async Task<ContentEntity?> FindAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        var found = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }
}
