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
}
