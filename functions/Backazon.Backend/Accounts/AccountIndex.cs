using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Accounts;

/// <summary>
/// The list of accounts, as one partition of the Accounts table: a row per account id. Jobs that
/// visit every account (the daily fan-out, the operator's lists) read this partition instead of
/// asking the table for every partition's account row, which in Azure reads every row of the
/// table, content and references included, to find them.
/// <para>
/// A row is written before its account, so no account is ever missing (at worst an id with no
/// account, which every reader skips). A deployment older than the index builds it once, by that
/// scan, the first time it is needed; the marker row says it is built.
/// </para>
/// </summary>
public sealed class AccountIndex(AccountStore accounts)
{
    /// <summary>Account ids are hex: this sorts apart from every one of them.</summary>
    public const string Partition = "~accounts";
    private const string BuiltRow = "~built";

    private TableClient Table => accounts.Table;

    public static TableEntity Entry(string accountId, bool purged = false) => new(Partition, accountId) { ["Purged"] = purged };

    public Task AddAsync(string accountId, CancellationToken cancellationToken = default) =>
        Table.UpsertEntityAsync(Entry(accountId), TableUpdateMode.Replace, cancellationToken);

    /// <summary>A purged account stays listed, but the daily jobs pass it by.</summary>
    public Task MarkPurgedAsync(string accountId, CancellationToken cancellationToken = default) =>
        Table.UpsertEntityAsync(Entry(accountId, purged: true), TableUpdateMode.Replace, cancellationToken);

    /// <summary>The ids of the accounts not purged, in id order.</summary>
    public async IAsyncEnumerable<string> LiveAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnsureBuiltAsync(cancellationToken);
        await foreach (var row in Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey lt {BuiltRow} and Purged eq {false}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            yield return row.RowKey;
        }
    }

    /// <summary>One page of account ids in id order, with the table's continuation for the next.</summary>
    public async Task<(IReadOnlyList<string> Ids, string? Continuation)> PageAsync(string? continuation, int size, CancellationToken cancellationToken = default)
    {
        await EnsureBuiltAsync(cancellationToken);
        var rows = Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey lt {BuiltRow}"), maxPerPage: size, select: ["RowKey"], cancellationToken: cancellationToken);
        await foreach (var page in rows.AsPages(continuation, size))
        {
            return ([.. page.Values.Select(r => r.RowKey)], string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return ([], null);
    }

    private async Task EnsureBuiltAsync(CancellationToken cancellationToken)
    {
        if ((await Table.GetEntityIfExistsAsync<TableEntity>(Partition, BuiltRow, ["RowKey"], cancellationToken)).HasValue)
        {
            return;
        }

        // Once per deployment: the scan the index replaces.
        await foreach (var account in Table.QueryAsync<AccountEntity>(
            TableClient.CreateQueryFilter($"RowKey eq {AccountEntity.Row}"), select: ["PartitionKey", "Status"], cancellationToken: cancellationToken))
        {
            await Table.UpsertEntityAsync(Entry(account.PartitionKey, account.Status == Contracts.AccountStatuses.Purged), TableUpdateMode.Replace, cancellationToken);
        }

        await Table.UpsertEntityAsync(new TableEntity(Partition, BuiltRow), TableUpdateMode.Replace, cancellationToken);
    }
}
