using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Errors;
using Backazon.Backend.Security;
using Backazon.Contracts;

namespace Backazon.Backend.Devices;

/// <summary>Keeps each run a device reports (its history, "backazon runs"), its last report and
/// when it last completed a backup (what stale-device checks look at).</summary>
public sealed class RunReportService(AccountStore accounts)
{
    private const int RowsPerTransaction = 100;

    /// <summary>Records the run and the device's last report in one transaction: one storage
    /// request, as before runs were kept.</summary>
    public async Task ReportAsync(DeviceCaller caller, RunReport report, CancellationToken cancellationToken = default)
    {
        if (report.FinishedAt < report.StartedAt || new[] { report.New, report.Changed, report.Unchanged, report.Deleted, report.Skipped }.Any(n => n < 0) || report.BytesSent < 0)
        {
            throw BackazonException.BadRequest("The run report's counts must not be negative and it must finish after it starts.", "finishedAt");
        }

        var device = new TableEntity(caller.AccountId, DeviceEntity.RowFor(caller.DeviceId))
        {
            [nameof(DeviceEntity.LastReport)] = JsonSerializer.Serialize(report, JsonSerializerOptions.Web),
        };
        if (report.Complete)
        {
            device[nameof(DeviceEntity.LastBackupAt)] = report.FinishedAt;
        }

        var run = new RunEntity
        {
            PartitionKey = caller.AccountId,
            RowKey = RunEntity.RowFor(caller.DeviceId, report.StartedAt),
            DeviceId = caller.DeviceId,
            StartedAt = report.StartedAt,
            FinishedAt = report.FinishedAt,
            New = report.New,
            Changed = report.Changed,
            Unchanged = report.Unchanged,
            Deleted = report.Deleted,
            Skipped = report.Skipped,
            BytesSent = report.BytesSent,
            Complete = report.Complete,
        };
        await accounts.Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, device, ETag.All),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, run),
        ], cancellationToken);
    }

    /// <summary>
    /// One page of a device's runs, newest first: a single key-range query of at most
    /// <paramref name="limit"/> rows, whatever the history holds. The continuation is the last
    /// run's inverted time, so it can only ever move within this device's own range.
    /// </summary>
    public async Task<RunPage> ListAsync(DeviceCaller caller, string? deviceId, string? continuation, int? limit, CancellationToken cancellationToken = default)
    {
        var device = deviceId is null || deviceId == caller.DeviceId ? caller.DeviceId
            : await accounts.FindDeviceAsync(caller.AccountId, deviceId, cancellationToken) is not null ? deviceId
            : throw BackazonException.NotFound("The device");
        var size = limit is null ? RunLimits.PageSize
            : limit is >= 1 and <= RunLimits.PageSize ? limit.Value
            : throw BackazonException.BadRequest($"'limit' must be between 1 and {RunLimits.PageSize}.", "limit");
        if (continuation is not null && (continuation.Length != 19 || !continuation.All(char.IsAsciiDigit)))
        {
            throw BackazonException.BadRequest("The continuation token is not one this service gave out.", "continuation");
        }

        var filter = continuation is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {caller.AccountId} and RowKey ge {RunEntity.DevicePrefix(device)} and RowKey lt {RunEntity.DeviceEnd(device)}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {caller.AccountId} and RowKey gt {RunEntity.DevicePrefix(device) + continuation} and RowKey lt {RunEntity.DeviceEnd(device)}");

        // One more than asked for tells whether there is a next page without a second request.
        var rows = new List<RunEntity>(size + 1);
        await foreach (var row in accounts.Table.QueryAsync<RunEntity>(filter, maxPerPage: size + 1, cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count > size)
            {
                break;
            }
        }

        var page = rows.Take(size).Select(r => new RunView(r.DeviceId, r.StartedAt, r.FinishedAt, r.New, r.Changed, r.Unchanged, r.Deleted, r.Skipped, r.BytesSent, r.Complete)).ToList();
        return new RunPage(page, rows.Count > size ? RunEntity.Inverted(page[^1].StartedAt) : null);
    }

    /// <summary>Removes the account's runs that started before <paramref name="olderThan"/> (see
    /// <see cref="RunEntity.MaxKeptDays"/>): per device, one query over just its expired range.
    /// Returns how many were removed.</summary>
    public async Task<int> PruneAsync(string accountId, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        foreach (var device in await accounts.ListDevicesAsync(accountId, cancellationToken))
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {accountId} and RowKey ge {RunEntity.RowFor(device.DeviceId, olderThan)} and RowKey lt {RunEntity.DeviceEnd(device.DeviceId)}");
            var expired = new List<TableEntity>();
            await foreach (var row in accounts.Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                expired.Add(row);
            }

            foreach (var chunk in expired.Chunk(RowsPerTransaction))
            {
                await accounts.Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
            }

            removed += expired.Count;
        }

        return removed;
    }
}
