using System.CommandLine;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Restoring;
using Backazon.Uploader.Scanning;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>"ls", "versions", "restore" and "link": browse the catalog and get files back.</summary>
public static class RestoreCommands
{
    public static IEnumerable<Command> Create(CliContext cli)
    {
        yield return List(cli);
        yield return Versions(cli);
        yield return Restore(cli);
        yield return Link(cli);
    }

    private static Option<string?> AtOption() => new("--at") { Description = "As it was at this moment, as ls/versions print it (2026-11-25 14:00:05 +01:00) or ISO (2026-11-25T14:00, local; ...Z for UTC); a time to the second includes that whole second; default: now" };
    private static Option<string?> DeviceOption() => new("--device") { Description = "Another device of your account, by name or id (restoring to a new computer)" };
    private static Option<bool> JsonOption() => new("--json") { Description = "Print JSON lines (full paths, exact times)" };

    private static Command List(CliContext cli)
    {
        var path = new Argument<string?>("path") { Description = "A backed-up folder or file (default: the top of the catalog)", Arity = ArgumentArity.ZeroOrOne };
        var at = AtOption();
        var device = DeviceOption();
        var deleted = new Option<bool>("--deleted") { Description = "Also show files deleted since, while they are kept" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Everything under the folder" };
        var json = JsonOption();
        var command = new Command("ls", "List a backed-up folder (or show a file) as of a moment") { path, at, device, deleted, recursive, json };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = cli.DeviceClient();
            var deviceId = await DeviceIdAsync(client, parse.GetValue(device), cancellationToken);
            var folder = parse.GetValue(path) is { } p ? ToCatalog(p) : "";
            string? continuation = null;
            var any = false;
            do
            {
                var page = await client.ListCatalogAsync(deviceId, folder, ParseAt(parse.GetValue(at)), parse.GetValue(deleted), parse.GetValue(recursive), continuation, cancellationToken);
                foreach (var item in page.Items)
                {
                    any = true;
                    await cli.Out.WriteLineAsync(parse.GetValue(json) ? HistoryViews.ItemJson(item) : HistoryViews.ListLine(item));
                }

                continuation = page.Continuation;
            }
            while (continuation is not null);

            if (!any)
            {
                var elsewhere = parse.GetValue(device) is null ? await OtherComputers.HintAsync(client, cli.RequireDevice().DeviceId, folder, cancellationToken) : "";
                await cli.Error.WriteLineAsync($"Nothing is backed up under '{UserPaths.Show(folder)}' at that moment" +
                    (parse.GetValue(deleted) ? "." : " (--deleted also shows deleted files).") + elsewhere);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Versions(CliContext cli)
    {
        var file = new Argument<string>("file") { Description = "A backed-up file" };
        var device = DeviceOption();
        var json = JsonOption();
        var command = new Command("versions", "List the versions of one file, newest first: id, time (for --version or --at), size") { file, device, json };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = cli.DeviceClient();
            var deviceId = await DeviceIdAsync(client, parse.GetValue(device), cancellationToken);
            var path = ToCatalog(parse.GetValue(file)!);
            List<CatalogItem> versions;
            try
            {
                versions = await client.VersionsAsync(deviceId, path, cancellationToken);
            }
            catch (BackazonApiException e) when (e.Status == 404)
            {
                throw new CliException(ServerWords.Localize(e.Message, [path]) +
                    (deviceId is null ? await OtherComputers.HintAsync(client, cli.RequireDevice().DeviceId, path, cancellationToken) : ""));
            }

            foreach (var version in versions)
            {
                await cli.Out.WriteLineAsync(parse.GetValue(json) ? HistoryViews.ItemJson(version) : HistoryViews.VersionLine(version));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Restore(CliContext cli)
    {
        var paths = new Argument<string[]>("path") { Description = "Backed-up files or folders", Arity = ArgumentArity.OneOrMore };
        var at = AtOption();
        var version = new Option<string?>("--version") { Description = "One version of one file, by the id 'versions' prints (or any unambiguous start of it)" };
        var device = DeviceOption();
        var to = new Option<string?>("--to") { Description = "Restore under this folder, keeping the selected folder's name (--to ~/restored puts ~/Documents at ~/restored/Documents); default: back where they were" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace different files that are in the way (each is reported)" };
        var json = new Option<bool>("--json") { Description = "Print JSON lines" };
        var command = new Command("restore", "Restore files or folders as they were at a moment") { paths, at, version, device, to, overwrite, json };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            if (parse.GetValue(to) is { } folder && FileOnTheWay(HomePath.Expand(folder)) is { } file)
            {
                throw new CliException(file == Path.GetFullPath(HomePath.Expand(folder))
                    ? $"'{folder}' is a file; give --to a folder (it is made if it does not exist)."
                    : $"'{file}' is a file, so '{folder}' cannot be made under it; give --to a folder (it is made if it does not exist).");
            }

            using var client = cli.DeviceClient();
            var deviceId = await DeviceIdAsync(client, parse.GetValue(device), cancellationToken);
            var selected = parse.GetValue(paths)!.Select(ToCatalog).ToList();
            var asOf = ParseAt(parse.GetValue(at));
            if (parse.GetValue(version) is { } id)
            {
                if (asOf is not null || selected.Count != 1)
                {
                    throw new CliException("--version picks one version of one file: give just that file, and no --at.");
                }

                // The version's own exact time selects it and nothing later, not even in the same second.
                asOf = (await VersionSelector.FindAsync(client, deviceId, selected[0], id, cancellationToken)).VersionAt;
            }

            var options = new RestoreOptions(parse.GetValue(to) is { } target ? HomePath.Expand(target) : null, parse.GetValue(overwrite), deviceId, asOf);
            IRestoreProgress view = parse.GetValue(json) ? new JsonRestoreView(cli.Out)
                : ProgressViews.UseLiveView(cli.Out) ? new LiveRestoreView()
                : new PlainRestoreView(cli.Out, everyFewSeconds: true);
            try
            {
                var summary = await DeletedFiles.ExplainAsync(client, deviceId, selected, asOf ?? cli.Clock.GetUtcNow(),
                    () => new RestoreRunner(client, view).RunAsync(selected, options, cancellationToken), cancellationToken);
                // Only while no backup runs (it holds the index, and its scan sees the files anyway).
                if (deviceId is null && options.TargetFolder is null && asOf is null
                    && Agent.RunLock.TryTake(cli.State.BackupLockFile) is { } backupLock)
                {
                    using (backupLock)
                    using (var index = new Index.LocalIndex(cli.IndexFile(cli.RequireDevice())))
                    {
                        RestoredIndex.Record(index, summary);
                    }
                }

                return summary.Complete ? ExitCodes.Success : ExitCodes.CompletedWithSkips;
            }
            catch (BackazonApiException e) when (e.Status == 404 && deviceId is null)
            {
                throw new CliException(ServerWords.Localize(e.Message, selected) + await OtherComputers.HintAsync(client, cli.RequireDevice().DeviceId, selected[0], cancellationToken));
            }
            finally
            {
                (view as IDisposable)?.Dispose();
            }
        }));
        return command;
    }

    private static Command Link(CliContext cli)
    {
        var file = new Argument<string>("file") { Description = "A backed-up file" };
        var at = AtOption();
        var device = DeviceOption();
        var minutes = new Option<int?>("--minutes") { Description = "How long the link works (default: the server's, a few hours)" };
        var json = new Option<bool>("--json") { Description = "Print the link as JSON (path, url, expiresAt)" };
        var command = new Command("link", "Print a signed link that downloads one file in any browser") { file, at, device, minutes, json };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = cli.DeviceClient();
            var path = ToCatalog(parse.GetValue(file)!);
            var deviceId = await DeviceIdAsync(client, parse.GetValue(device), cancellationToken);
            var asOf = ParseAt(parse.GetValue(at));
            var manifest = await DeletedFiles.ExplainAsync(client, deviceId, [path], asOf ?? cli.Clock.GetUtcNow(),
                () => client.RestoreManifestAsync(new RestoreRequest([path], deviceId, asOf, null, parse.GetValue(minutes)), cancellationToken), cancellationToken);
            var item = manifest.Items.FirstOrDefault(i => i.Path == path && i.DownloadUrl is not null)
                ?? throw new CliException($"'{UserPaths.Show(path)}' is not a backed-up file (a folder or a link has no download).");
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(HistoryViews.LinkJson(path, item.DownloadUrl!, item.ExpiresAt));
                return ExitCodes.Success;
            }

            await cli.Out.WriteLineAsync(item.DownloadUrl);
            if (item.ExpiresAt is { } expires)
            {
                await cli.Error.WriteLineAsync($"Valid until {Times.Local(expires)}.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The file that is <paramref name="folder"/> or lies on its way (a/file/sub), where no folder can be made; null when none.</summary>
    private static string? FileOnTheWay(string folder)
    {
        for (var at = Path.GetFullPath(folder); at is not null; at = Path.GetDirectoryName(at))
        {
            if (File.Exists(at))
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>A path as the user wrote it (relative, absolute, ~) as the catalog names it.</summary>
    public static string ToCatalog(string path) => UserPaths.ToCatalog(path);

    public static DateTimeOffset? ParseAt(string? text) =>
        text is null ? null
        : Times.TryParse(text, out var at) ? at
        : throw new CliException($"'{text}' is not a date and time; write it as ls and versions print it (2026-11-25 14:00:05 +01:00), or like 2026-11-25T14:00 (local) or 2026-11-25T13:00Z (UTC).");

    /// <summary>Finds another device of the account by name or id; null means this device.</summary>
    public static async Task<string?> DeviceIdAsync(BackazonClient client, string? nameOrId, CancellationToken cancellationToken)
    {
        if (nameOrId is null)
        {
            return null;
        }

        var devices = (await client.DeviceStatusAsync(cancellationToken)).Devices;
        var matches = devices.Where(d => d.Id == nameOrId || d.Name == nameOrId).ToList();
        return matches.Count switch
        {
            1 => matches[0].Id,
            0 => throw new CliException($"No device of this account is called '{nameOrId}'. Devices: {string.Join(", ", devices.Select(d => $"{d.Name} ({d.Id})"))}."),
            _ => throw new CliException($"Several devices are called '{nameOrId}'; give its id instead: {string.Join(", ", matches.Select(d => d.Id))}."),
        };
    }
}
