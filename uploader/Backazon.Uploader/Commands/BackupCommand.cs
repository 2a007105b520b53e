using System.CommandLine;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Index;
using Backazon.Uploader.Ui;
using Backazon.Uploader.Uploading;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon backup [FOLDER...]": send what changed in the given (or configured) folders.</summary>
public static class BackupCommand
{
    public static Command Create(CliContext cli)
    {
        var folders = new Argument<string[]>("folder") { Description = "Folders to back up (default: the folders in config.json)", Arity = ArgumentArity.ZeroOrMore };
        var exclude = new Option<string[]>("--exclude") { Description = "A glob pattern to leave out (repeatable), on top of the defaults", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print progress and the summary as JSON lines" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only scan and say what a backup would send; send and record nothing" };
        var command = new Command("backup", "Back up the files that changed") { folders, exclude, json, dryRun };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            var device = cli.RequireDevice();
            var settings = cli.Config.Read<BackupSettings>(BackupSettings.FileName);
            var roots = parse.GetValue(folders) is { Length: > 0 } given ? given : settings?.Folders?.ToArray() ?? [];
            if (roots.Length == 0)
            {
                throw new CliException($"Name the folders to back up (backazon backup ~/Documents), or list them as \"folders\" in {cli.Config.File(BackupSettings.FileName)}.");
            }

            foreach (var root in roots)
            {
                if (!Directory.Exists(root) && !File.Exists(root))
                {
                    throw new CliException($"'{root}' does not exist.");
                }
            }

            var options = new BackupOptions
            {
                Exclusions = [.. settings?.Exclude ?? [], .. parse.GetValue(exclude) ?? []],
                // Never back up our own state: the index, and the device secret.
                ExcludedFolders = [cli.Config.Path],
            };
            using var index = new LocalIndex(cli.Config.File($"index-{device.DeviceId}.db"));
            using var client = cli.DeviceClient();
            if (parse.GetValue(dryRun))
            {
                var plan = new BackupRunner(client, index, new BlobSender(index), new PlainProgressView(TextWriter.Null), options, TimeProvider.System).DryRun(roots);
                cli.Out.WriteLine($"Dry run: {plan.New} new, {plan.Changed} changed, {plan.Unchanged} unchanged, {plan.Deleted} deleted; " +
                    $"{Contracts.ByteSizes.Format(plan.BytesToRead)} to read in {plan.Batches} batch(es); {plan.Skipped.Count} unreadable. Nothing was sent.");
                foreach (var skipped in plan.Skipped)
                {
                    cli.Out.WriteLine($"  cannot read {skipped.Path}: {skipped.Reason}");
                }

                return ExitCodes.Success;
            }

            IBackupProgress view = parse.GetValue(json) ? new JsonProgressView(cli.Out)
                : ProgressViews.UseLiveView(cli.Out) ? new LiveProgressView()
                : new PlainProgressView(cli.Out);
            try
            {
                var summary = await new BackupRunner(client, index, new BlobSender(index), view, options, TimeProvider.System).RunAsync(roots, cancellationToken);
                return summary.Complete ? ExitCodes.Success : ExitCodes.CompletedWithSkips;
            }
            finally
            {
                (view as IDisposable)?.Dispose();
            }
        }));
        return command;
    }
}
