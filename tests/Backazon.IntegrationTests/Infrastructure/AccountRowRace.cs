using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>
/// Makes an account's row change just before the backend's next table transaction goes out, as
/// another device's grant or another commit's count would: the transaction then loses its race
/// on the account's ETag, every time it is armed and never by luck. Disarmed, it passes
/// everything through.
/// </summary>
public sealed class AccountRowRace(string connectionString) : HttpPipelinePolicy
{
    private readonly TableClient _accounts = new(connectionString, StorageNames.AccountsTable);
    private string? _accountId;

    /// <summary>How many transactions it has made lose since it was armed.</summary>
    public int Raced { get; private set; }

    /// <summary>The next table transaction of the backend finds this account's row changed.</summary>
    public void ArmBeforeNextTransaction(string accountId)
    {
        Raced = 0;
        Volatile.Write(ref _accountId, accountId);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal)
            && Interlocked.Exchange(ref _accountId, null) is { } accountId)
        {
            // An empty merge gives the row a new ETag and changes nothing else.
            await _accounts.UpdateEntityAsync(new TableEntity(accountId, AccountEntity.Row), ETag.All, TableUpdateMode.Merge);
            Raced++;
        }

        await ProcessNextAsync(message, pipeline);
    }
}
