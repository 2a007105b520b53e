using System.CommandLine;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Index;
using Backazon.Uploader.Ui;
using Backazon.Uploader.Uploading;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon backup [FOLDER...]": send what changed in the given (or configured, or
/// default) folders.</summary>
public static class BackupCommand
{
    public static Command Create(CliContext cli)
    {
        var folders = new Argument<string[]>("folder") { Description = "Folders to back up (default: the folders in config.json, else Documents, Desktop and Pictures)", Arity = ArgumentArity.ZeroOrMore };
        var exclude = new Option<string[]>("--exclude") { Description = "A glob pattern to leave out (repeatable), on top of the configured ones", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print progress and the summary as JSON lines" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only scan and say what a backup would send; send and record nothing" };
        var rate = new Option<string?>("--max-upload-rate") { Description = "Upload at most this much per second, e.g. 2MB (default: maxUploadRate in config.json, else no limit)" };
        var command = new Command("backup", "Back up the files that changed") { folders, exclude, json, dryRun, rate };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            var device = cli.RequireDevice();
            var job = new BackupJob(cli);
            var given = parse.GetValue(folders) ?? [];
            var excludes = parse.GetValue(exclude) ?? [];
            if (parse.GetValue(dryRun))
            {
                var (roots, options) = job.Resolve(given, excludes);
                using var index = new LocalIndex(cli.IndexFile(device));
                using var client = cli.DeviceClient();
                var plan = new BackupRunner(client, index, new BlobSender(index), new PlainProgressView(TextWriter.Null), options, cli.Clock).DryRun(roots);
                cli.Out.WriteLine($"Dry run: {plan.New} new, {plan.Changed} changed, {plan.Unchanged} unchanged, {plan.Deleted} deleted; " +
                    $"{Contracts.ByteSizes.Format(plan.BytesToRead)} to read in {plan.Batches} batch(es); {plan.Skipped.Count} unreadable. Nothing was sent.");
                foreach (var skipped in plan.Skipped)
                {
                    cli.Out.WriteLine($"  cannot read {skipped.Path}: {skipped.Reason}");
                }

                return ExitCodes.Success;
            }

            if (PauseFile.Active(cli.State, cli.Clock.GetUtcNow()) is { } pause)
            {
                // Said, not obeyed: a backup asked for by hand is what the person wants now.
                await cli.Error.WriteLineAsync((pause.Until is { } until ? $"Backups are paused until {Times.Local(until)}" : "Backups are paused until 'backazon resume'") +
                    "; this backup by hand runs anyway, and the agent stays paused.");
            }

            var bytesPerSecond = parse.GetValue(rate) is { } text ? UploadRate.Parse(text, "--max-upload-rate") : cli.Settings().ResolvedMaxUploadRate() ?? 0;
            using var pace = new UploadPace(bytesPerSecond);
            IBackupProgress view = parse.GetValue(json) ? new JsonProgressView(cli.Out)
                : ProgressViews.UseLiveView(cli.Out) ? new LiveProgressView()
                : new PlainProgressView(cli.Out);
            try
            {
                var summary = await job.RunAsync(given, excludes, view, pace, cancellationToken);
                if (summary.NothingTaken)
                {
                    await cli.Error.WriteLineAsync($"Nothing was backed up: each of the {summary.Skipped.Count} files to send was skipped, for the reasons listed.");
                    return ExitCodes.Failure;
                }

                return summary.Complete ? ExitCodes.Success : ExitCodes.CompletedWithSkips;
            }
            finally
            {
                (view as IDisposable)?.Dispose();
            }
        }, jsonFailure: parse.GetValue(json)));
        return command;
    }
}
