using System.CommandLine;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon include [FOLDER...] [--remove]" and "exclude [PATTERN...] [--remove]": edit
/// what is backed up in config.json, so nobody has to hand-edit JSON. With no arguments they list.</summary>
public static class SelectionCommands
{
    public static IEnumerable<Command> Create(CliContext cli)
    {
        yield return Include(cli);
        yield return Exclude(cli);
    }

    private static Command Include(CliContext cli)
    {
        var folders = new Argument<string[]>("folder") { Description = "Folders to add (or to remove, with --remove)", Arity = ArgumentArity.ZeroOrMore };
        var remove = new Option<bool>("--remove") { Description = "Stop backing up these folders (what is backed up stays on the server for the deleted-file period)" };
        var command = new Command("include", "List, add or remove the folders that are backed up") { folders, remove };
        command.SetAction(parse => cli.Run(() =>
        {
            var settings = cli.Settings();
            var given = parse.GetValue(folders) ?? [];
            if (given.Length == 0)
            {
                var listed = settings.ResolvedFolders();
                cli.Out.WriteLine(listed.Count == 0 ? "No folders are backed up; add one with 'backazon include FOLDER'."
                    : (settings.Folders is null ? "Backed up (the defaults; nothing is configured):" : "Backed up:")
                      + string.Concat(listed.Select(f => Environment.NewLine + "  " + HomePath.Shorten(f))));
                return ExitCodes.Success;
            }

            // The first edit starts from what is backed up now: adding a folder never drops the defaults unsaid.
            var current = (settings.Folders ?? [.. DefaultFolders.Existing().Select(HomePath.Shorten)]).ToList();
            foreach (var folder in given)
            {
                var full = HomePath.Expand(folder);
                var at = current.FindIndex(f => HomePath.Expand(f) == full);
                if (parse.GetValue(remove))
                {
                    if (at < 0)
                    {
                        throw new CliException($"'{HomePath.Shorten(full)}' is not among the folders backed up; 'backazon include' lists them.");
                    }

                    current.RemoveAt(at);
                }
                else if (at < 0)
                {
                    if (!Directory.Exists(full))
                    {
                        throw new CliException($"'{folder}' is not a folder here; nothing was changed.");
                    }

                    current.Add(HomePath.Shorten(full));
                }
            }

            cli.Config.Write(BackupSettings.FileName, settings with { Folders = current });
            cli.Out.WriteLine(current.Count == 0 ? "No folders are backed up now."
                : "Backed up now:" + string.Concat(current.Select(f => Environment.NewLine + "  " + f)));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Exclude(CliContext cli)
    {
        var patterns = new Argument<string[]>("pattern") { Description = "Glob patterns to leave out, relative to each backed-up folder (e.g. '**/node_modules' or '*.iso')", Arity = ArgumentArity.ZeroOrMore };
        var remove = new Option<bool>("--remove") { Description = "Back these up again" };
        var command = new Command("exclude", "List, add or remove the patterns of files left out (on top of the built-in ones)") { patterns, remove };
        command.SetAction(parse => cli.Run(() =>
        {
            var settings = cli.Settings();
            var given = parse.GetValue(patterns) ?? [];
            var current = (settings.Exclude ?? []).ToList();
            if (given.Length == 0)
            {
                cli.Out.WriteLine(current.Count == 0 ? "Nothing is excluded beyond the built-in patterns."
                    : "Left out:" + string.Concat(current.Select(p => Environment.NewLine + "  " + p)));
                return ExitCodes.Success;
            }

            foreach (var pattern in given)
            {
                if (parse.GetValue(remove))
                {
                    if (!current.Remove(pattern))
                    {
                        throw new CliException($"'{pattern}' is not an exclusion; 'backazon exclude' lists them.");
                    }
                }
                else if (!current.Contains(pattern, StringComparer.Ordinal))
                {
                    current.Add(pattern);
                }
            }

            cli.Config.Write(BackupSettings.FileName, settings with { Exclude = current });
            cli.Out.WriteLine(current.Count == 0 ? "Nothing is excluded now beyond the built-in patterns."
                : "Left out now:" + string.Concat(current.Select(p => Environment.NewLine + "  " + p)));
            if (!parse.GetValue(remove))
            {
                cli.Out.WriteLine("Files already backed up that these now leave out count as deleted from the next backup, and are kept for the plan's deleted-file period.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
