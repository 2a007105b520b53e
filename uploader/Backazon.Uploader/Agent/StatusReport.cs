using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Agent;

/// <summary>
/// What "backazon status" says, and "status --json" prints with these field names (stable: scripts
/// and monitoring read them): the device, whether the agent runs or is paused, the last run and
/// the last successful backup, the next run, what is pending, the quota, the recent problems in
/// plain words, and where the logs are. The server part is missing (with why) when the server
/// cannot be reached: the local part is still worth showing then.
/// </summary>
public sealed record StatusReport(
    StatusReport.DeviceInfo Device,
    StatusReport.AgentInfo Agent,
    RunRecord? LastRun,
    DateTimeOffset? LastSuccessfulBackupAt,
    DateTimeOffset? NextRunAt,
    StatusReport.PendingInfo Pending,
    StatusReport.QuotaInfo? Quota,
    string? ServerError,
    IReadOnlyList<AgentError> LastErrors,
    string LogFolder,
    string StateFolder,
    AccountView? Account)
{
    public sealed record DeviceInfo(string Id, string Name, string AccountId, string Server);

    /// <param name="Running">Whether an agent process of this user holds the agent lock now.</param>
    /// <param name="BackingUp">Whether a backup runs now (the agent's, or one by hand).</param>
    public sealed record AgentInfo(bool Running, int? Pid, bool BackingUp, DateTimeOffset? RunningSince, bool Paused, DateTimeOffset? PausedUntil);

    public sealed record PendingInfo(int Files, long Bytes);

    public sealed record QuotaInfo(long UsedBytes, long TotalBytes, long ReservedBytes);

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    public static async Task<StatusReport> ReadAsync(CliContext cli, CancellationToken cancellationToken)
    {
        var device = cli.RequireDevice();
        var now = cli.Clock.GetUtcNow();
        var running = RunLock.IsHeld(cli.State.AgentLockFile);
        var agentFile = AgentStatus.Read(cli.State);
        // A stopped agent's file tells nothing of now, but its errors stand until a run succeeds.
        var agent = running ? agentFile : new AgentStatus();
        var lastRun = RunRecord.Read(cli.State);
        var pause = PauseFile.Active(cli.State, now);

        AccountView? account = null;
        string? serverError = null;
        try
        {
            using var client = cli.DeviceClient();
            account = await client.DeviceStatusAsync(cancellationToken);
        }
        catch (BackazonApiException e)
        {
            serverError = e.Message;
        }

        DateTimeOffset? next = !running ? null
            : agent.RunningSince is not null ? now
            : pause is not null ? pause.Until is { } until && agent.NextRunAt is { } due ? (until > due ? until : due) : null
            : agent.NextRunAt;
        var succeededAt = lastRun is { Outcome: RunRecord.Completed } ? lastRun.FinishedAt : (DateTimeOffset?)null;
        var errors = agentFile.LastErrors.Where(e => succeededAt is null || e.At > succeededAt)
            .Concat((lastRun?.Problems ?? []).Select(p => new AgentError(lastRun!.FinishedAt, "skipped " + p)))
            .Concat(lastRun is { Error: { } failure } ? [new AgentError(lastRun.FinishedAt, failure)] : [])
            .DistinctBy(e => (e.At, e.Message))
            .OrderByDescending(e => e.At)
            .Take(AgentStatus.ErrorsKept)
            .ToList();
        return new StatusReport(
            new DeviceInfo(device.DeviceId, device.DeviceName, device.AccountId, device.Server),
            new AgentInfo(running, running ? agent.Pid : null, RunLock.IsHeld(cli.State.BackupLockFile), running ? agent.RunningSince : null, pause is not null, pause?.Until),
            lastRun,
            // The last complete backup, of the configured folders or of others named by hand.
            Latest(lastRun?.LastSuccessAt, lastRun?.LastCompleteAt),
            next,
            new PendingInfo(agent.PendingFiles, agent.PendingBytes),
            account is null ? null : new QuotaInfo(account.UsedBytes, account.Plan.StorageQuotaBytes, account.ReservedBytes),
            serverError,
            errors,
            cli.State.LogFolder,
            cli.State.Path,
            account);
    }
}
