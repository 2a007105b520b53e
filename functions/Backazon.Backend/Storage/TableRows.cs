using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Storage;

public static class TableRows
{
    private const int RowsPerTransaction = 100;

    /// <summary>Deletes the rows, a transaction per hundred of one partition. A row already gone
    /// is fine (a repeated message, a concurrent sweep): its transaction is redone one row at a time.</summary>
    public static async Task DeleteRowsAsync(this TableClient table, IEnumerable<ITableEntity> rows, CancellationToken cancellationToken = default)
    {
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(RowsPerTransaction))
            {
                try
                {
                    await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
                }
                catch (TableTransactionFailedException e) when (e.Status == 404)
                {
                    foreach (var row in chunk)
                    {
                        await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                    }
                }
            }
        }
    }

    /// <summary>Writes the row back under its ETag and takes the new one; false when someone
    /// changed or deleted it meanwhile (the caller decides again later).</summary>
    public static async Task<bool> TryReplaceAsync(this TableClient table, ITableEntity row, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            row.ETag = response.Headers.ETag ?? row.ETag;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }
}
