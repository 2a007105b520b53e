using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Errors;
using Backazon.Backend.Security;
using Backazon.Contracts;

namespace Backazon.Backend.Devices;

/// <summary>Keeps each device's last run report and when it last completed a backup (what
/// stale-device checks look at).</summary>
public sealed class RunReportService(AccountStore accounts)
{
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

        await accounts.Table.UpdateEntityAsync(device, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }
}
