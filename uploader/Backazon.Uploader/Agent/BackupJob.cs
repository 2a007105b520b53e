using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Index;
using Backazon.Uploader.Uploading;

namespace Backazon.Uploader.Agent;

/// <summary>
/// One backup of this machine as the user configured it, whoever starts it (the agent, or
/// "backazon backup"): which folders and exclusions, under the backup lock so only one runs at a
/// time, and how it ended, recorded for "status" and the agent's schedule.
/// </summary>
public sealed class BackupJob(CliContext cli)
{
    /// <summary>The folders to back up: the ones named, else the configured ones, else the
    /// defaults; and the options the configuration gives.</summary>
    public (IReadOnlyList<string> Roots, BackupOptions Options) Resolve(IReadOnlyList<string> folders, IReadOnlyList<string> excludes)
    {
        var settings = cli.Settings();
        IReadOnlyList<string> roots = folders.Count > 0 ? [.. folders.Select(HomePath.Expand)] : settings.ResolvedFolders();
        if (roots.Count == 0)
        {
            throw new CliException(settings.Folders is not null
                ? $"No folders to back up: add one with 'backazon include FOLDER'."
                : $"None of the default folders ({string.Join(", ", DefaultFolders.Candidates().Select(HomePath.Shorten))}) exists here: " +
                  "name the folders to back up with 'backazon include FOLDER' (or 'backazon backup FOLDER').");
        }

        foreach (var root in roots)
        {
            if (!Directory.Exists(root) && !File.Exists(root))
            {
                // Named on the command line: nothing configured to remove, only a name to check.
                throw new CliException(folders.Count > 0
                    ? $"'{root}' does not exist: check the name, or give a folder that does."
                    : $"'{root}' does not exist: remove it with 'backazon include --remove {HomePath.Shorten(root)}', or create it.");
            }
        }

        return (roots, new BackupOptions
        {
            Exclusions = [.. settings.Exclude ?? [], .. excludes],
            // Never back up our own state: the index, the device secret, the agent's logs.
            ExcludedFolders = [cli.Config.Path, cli.State.Path],
        });
    }

    /// <summary>Whether the folders named are those configured (in any order): a backup of them
    /// is the scheduled backup, however it was started.</summary>
    private bool IsConfiguredSelection(IReadOnlyList<string> roots)
    {
        var configured = cli.Settings().ResolvedFolders().Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        return configured.Count > 0 && configured.SetEquals(roots.Select(Path.GetFullPath));
    }

    /// <summary>Runs one backup and records how it ended.</summary>
    /// <exception cref="BackupBusyException">Another backup of this machine is running.</exception>
    public async Task<BackupSummary> RunAsync(IReadOnlyList<string> folders, IReadOnlyList<string> excludes, IBackupProgress progress, UploadPace pace,
        CancellationToken cancellationToken)
    {
        using var held = RunLock.TryTake(cli.State.BackupLockFile) ?? throw new BackupBusyException();
        var device = cli.RequireDevice();
        var (roots, options) = Resolve(folders, excludes);
        var before = RunRecord.Read(cli.State);
        var asConfigured = excludes.Count == 0 && (folders.Count == 0 || IsConfiguredSelection(roots));
        var lastSuccess = before?.LastSuccessAt;
        var startedAt = cli.Clock.GetUtcNow();
        var sent = new SentBytes(progress);
        progress = sent;
        using var client = cli.DeviceClient();
        try
        {
            using var index = new LocalIndex(cli.IndexFile(device));
            var summary = await new BackupRunner(client, index, new BlobSender(index, cli.StorageOptions, pace), progress, options, cli.Clock)
                .RunAsync(roots, cancellationToken);
            var problems = summary.Skipped.Take(RunRecord.ProblemsKept).Select(s => $"{s.Path}: {s.Reason}").ToList();
            var record = summary.NothingTaken
                // Nothing could be taken: not a backup, whatever it was of.
                ? new RunRecord(summary.StartedAt, summary.FinishedAt, RunRecord.Failed, $"Nothing was backed up: each of the {summary.Skipped.Count} files to send was skipped.",
                    0, 0, 0, summary.Skipped.Count, summary.BytesSent, problems, lastSuccess, before?.LastCompleteAt, before?.LastCompleteFolders)
                : new RunRecord(summary.StartedAt, summary.FinishedAt, summary.Complete ? RunRecord.Completed : RunRecord.CompletedWithSkips, null,
                    summary.New, summary.Changed, summary.Deleted, summary.Skipped.Count, summary.BytesSent, problems,
                    // A run of other folders than the configured ones does not stand for the
                    // scheduled backup, but it is a backup of those folders all the same.
                    asConfigured ? summary.StartedAt : lastSuccess, summary.StartedAt, roots);
            record.Write(cli.State);
            // Shown only once recorded: whoever reacts to the summary finds it in status.
            progress.Finished(summary);
            return summary;
        }
        catch (Exception e)
        {
            var interrupted = e is OperationCanceledException && cancellationToken.IsCancellationRequested;
            var finishedAt = cli.Clock.GetUtcNow();
            new RunRecord(startedAt, finishedAt, interrupted ? RunRecord.Interrupted : RunRecord.Failed, interrupted ? null : e.Message,
                0, 0, 0, 0, sent.Total, [], lastSuccess, before?.LastCompleteAt, before?.LastCompleteFolders).Write(cli.State);
            await ReportStoppedAsync(client, startedAt, finishedAt, sent.Total);
            throw;
        }
    }

    /// <summary>A run that stopped (Ctrl+C, a pause, a failure) is a run all the same: told to the
    /// backend as incomplete, with what it sent, so "runs" lists it. A few seconds at most, and
    /// never a reason to fail beyond the run's own failure (the server may be what failed).</summary>
    private static async Task ReportStoppedAsync(Api.BackazonClient client, DateTimeOffset startedAt, DateTimeOffset finishedAt, long bytesSent)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
            await client.ReportRunAsync(new Contracts.RunReport(startedAt, finishedAt, 0, 0, 0, 0, 0, bytesSent, Complete: false), timeout.Token);
        }
        catch (Exception e) when (e is Api.BackazonApiException or OperationCanceledException or HttpRequestException)
        {
        }
    }
}

/// <summary>Another backup of this machine holds the backup lock.</summary>
public sealed class BackupBusyException() : Exception(
    "Another backup of this machine is running (the background agent's, or one in another window): wait for it to finish, or stop the agent's with 'backazon pause'.");
