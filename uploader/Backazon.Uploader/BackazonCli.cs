using System.CommandLine;
using System.CommandLine.Invocation;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;

namespace Backazon.Uploader;

/// <summary>The command tree. Commands are thin: they parse, call one piece, and print.</summary>
public static class BackazonCli
{
    // Ctrl+C cancels the command; this is how long it has to stop cleanly and say so before
    // System.CommandLine ends the process without a word.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    public static RootCommand Create(CliContext cli)
    {
        var root = new RootCommand("Backazon: back up this machine's files to your Backazon service, and restore them.");
        root.Subcommands.Add(DeviceCommands.Enroll(cli));
        root.Subcommands.Add(DeviceCommands.Status(cli));
        root.Subcommands.Add(BackupCommand.Create(cli));
        root.Subcommands.Add(RunsCommand.Create(cli));
        foreach (var command in RestoreCommands.Create(cli))
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in AgentCommands.Create(cli).Concat(SelectionCommands.Create(cli)))
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in ServiceCommands.Create(cli))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(AdminCommands.Create(cli));
        CommandLineMistakes.RefuseOptionsAsArguments(root);
        return root;
    }

    /// <summary>Runs a command line. One that does not parse gets one sentence on standard error
    /// and exit code 1; a command that needs a subcommand and got none prints its help.</summary>
    public static async Task<int> InvokeAsync(string[] args, CliContext cli, CancellationToken cancellationToken = default)
    {
        var root = Create(cli);
        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = cli.Out, Error = cli.Error, ProcessTerminationTimeout = StopTimeout };
        if (parse.Action is not ParseErrorAction)
        {
            return await parse.InvokeAsync(configuration, cancellationToken);
        }

        if (CommandLineMistakes.Describe(parse) is { } sentence)
        {
            await cli.Error.WriteLineAsync(sentence);
        }
        else
        {
            await root.Parse([.. CommandLineMistakes.CommandNames(parse.CommandResult), "--help"]).InvokeAsync(configuration, cancellationToken);
        }

        return ExitCodes.Failure;
    }
}
