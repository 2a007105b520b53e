using System.CommandLine;
using System.Globalization;
using Backazon.Contracts;
using Backazon.Uploader.Api;
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

    private static Option<string?> AtOption() => new("--at") { Description = "As it was at this moment (e.g. 2026-11-25T14:00 local time, or ...Z for UTC); default: now" };
    private static Option<string?> DeviceOption() => new("--device") { Description = "Another device of your account, by name or id (restoring to a new computer)" };

    private static Command List(CliContext cli)
    {
        var path = new Argument<string?>("path") { Description = "A backed-up folder (default: the top of the catalog)", Arity = ArgumentArity.ZeroOrOne };
        var at = AtOption();
        var device = DeviceOption();
        var deleted = new Option<bool>("--deleted") { Description = "Also show files deleted since, while they are kept" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Everything under the folder" };
        var command = new Command("ls", "List a backed-up folder as of a moment") { path, at, device, deleted, recursive };
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
                    await cli.Out.WriteLineAsync(Line(item));
                }

                continuation = page.Continuation;
            }
            while (continuation is not null);

            if (!any)
            {
                await cli.Error.WriteLineAsync($"Nothing is backed up under '{(folder.Length == 0 ? "/" : "/" + folder)}' at that moment.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Versions(CliContext cli)
    {
        var file = new Argument<string>("file") { Description = "A backed-up file" };
        var device = DeviceOption();
        var command = new Command("versions", "List the versions of one file, newest first") { file, device };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = cli.DeviceClient();
            var deviceId = await DeviceIdAsync(client, parse.GetValue(device), cancellationToken);
            foreach (var version in await client.VersionsAsync(deviceId, ToCatalog(parse.GetValue(file)!), cancellationToken))
            {
                await cli.Out.WriteLineAsync(version.Kind == EntryKinds.Deleted
                    ? $"{version.VersionAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  deleted"
                    : $"{version.VersionAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {ByteSizes.Format(version.Size),10}  {version.Hash?[..12]}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Restore(CliContext cli)
    {
        var paths = new Argument<string[]>("path") { Description = "Backed-up files or folders", Arity = ArgumentArity.OneOrMore };
        var at = AtOption();
        var device = DeviceOption();
        var to = new Option<string?>("--to") { Description = "Restore under this folder (default: back where they were)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace different files that are in the way (each is reported)" };
        var json = new Option<bool>("--json") { Description = "Print JSON lines" };
        var command = new Command("restore", "Restore files or folders as they were at a moment") { paths, at, device, to, overwrite, json };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            if (parse.GetValue(to) is { } folder && File.Exists(folder))
            {
                throw new CliException($"'{folder}' is a file; give --to a folder (it is made if it does not exist).");
            }

            using var client = cli.DeviceClient();
            var options = new RestoreOptions(
                parse.GetValue(to) is { } target ? Path.GetFullPath(target) : null,
                parse.GetValue(overwrite),
                await DeviceIdAsync(client, parse.GetValue(device), cancellationToken),
                ParseAt(parse.GetValue(at)));
            IRestoreProgress view = parse.GetValue(json) ? new JsonRestoreView(cli.Out)
                : ProgressViews.UseLiveView(cli.Out) ? new LiveRestoreView()
                : new PlainRestoreView(cli.Out);
            try
            {
                var summary = await new RestoreRunner(client, view).RunAsync(parse.GetValue(paths)!.Select(ToCatalog).ToList(), options, cancellationToken);
                return summary.Complete ? ExitCodes.Success : ExitCodes.CompletedWithSkips;
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
        var command = new Command("link", "Print a signed link that downloads one file in any browser") { file, at, device, minutes };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = cli.DeviceClient();
            var path = ToCatalog(parse.GetValue(file)!);
            var manifest = await client.RestoreManifestAsync(new RestoreRequest([path], await DeviceIdAsync(client, parse.GetValue(device), cancellationToken),
                ParseAt(parse.GetValue(at)), null, parse.GetValue(minutes)), cancellationToken);
            var item = manifest.Items.FirstOrDefault(i => i.Path == path && i.DownloadUrl is not null)
                ?? throw new CliException($"'{parse.GetValue(file)}' is not a backed-up file (a folder or a link has no download).");
            await cli.Out.WriteLineAsync(item.DownloadUrl);
            await cli.Error.WriteLineAsync($"Valid until {item.ExpiresAt?.ToLocalTime():yyyy-MM-dd HH:mm:ss}.");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string Line(CatalogItem item)
    {
        var when = (item.ModifiedAt ?? item.VersionAt).ToLocalTime().ToString("yyyy-MM-dd HH:mm");
        var name = "/" + item.Path + (item.Kind == CatalogItemKinds.Folder ? "/" : "") + (item.LinkTarget is { } t ? " -> " + t : "");
        var deleted = item.DeletedAt is { } at ? $"  (deleted {at.ToLocalTime():yyyy-MM-dd HH:mm})" : "";
        var size = item.Kind == CatalogItemKinds.Folder ? "-" : ByteSizes.Format(item.Size);
        return $"{when}  {size,10}  {name}{deleted}";
    }

    /// <summary>A local path (relative or absolute) as the catalog names it.</summary>
    public static string ToCatalog(string path) => CatalogPath.FromLocal(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));

    public static DateTimeOffset? ParseAt(string? text) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.CurrentCulture, DateTimeStyles.AssumeLocal, out var at) ? at
        : throw new CliException($"'{text}' is not a date and time; write it like 2026-11-25T14:00 (local) or 2026-11-25T13:00Z (UTC).");

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
