using System.CommandLine;
using Backazon.Uploader.Commands;

namespace Backazon.Uploader;

/// <summary>The command tree. Commands are thin: they parse, call one piece, and print.</summary>
public static class BackazonCli
{
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
        return root;
    }

    public static Task<int> InvokeAsync(string[] args, CliContext cli, CancellationToken cancellationToken = default) =>
        Create(cli).Parse(args).InvokeAsync(new InvocationConfiguration { Output = cli.Out, Error = cli.Error }, cancellationToken);
}
