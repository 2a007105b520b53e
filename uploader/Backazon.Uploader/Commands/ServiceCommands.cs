using System.CommandLine;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Service;

namespace Backazon.Uploader.Commands;

/// <summary>"install" and "uninstall": register "backazon agent" as a per-user background
/// service (systemd user unit, launchd agent, Task Scheduler logon task), and remove it.</summary>
public static class ServiceCommands
{
    private static readonly Dictionary<string, ServiceOs> OsNames = new(StringComparer.Ordinal)
    {
        ["linux"] = ServiceOs.Linux,
        ["macos"] = ServiceOs.MacOS,
        ["windows"] = ServiceOs.Windows,
    };

    public static IEnumerable<Command> Create(CliContext cli)
    {
        yield return Install(cli);
        yield return Uninstall(cli);
    }

    private static Command Install(CliContext cli)
    {
        var print = new Option<bool>("--print") { Description = "Print the service definition instead of registering it" };
        var os = new Option<string?>("--os") { Description = "Whose definition to print: linux, macos or windows (default: this machine's)" };
        os.AcceptOnlyFromAmong([.. OsNames.Keys]);
        var executable = new Option<string?>("--executable") { Description = "The backazon program the service runs (default: this one), e.g. a path that upgrades replace" };
        var atLogin = new Option<bool>("--at-login") { Description = "Linux without a user systemd (containers, WSL, servers): start the agent from your login shell's profile instead" };
        var command = new Command("install", "Run the backup agent in the background whenever you log in (a per-user service)") { print, os, executable, atLogin };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            var here = ServiceInstaller.CurrentOs;
            var target = parse.GetValue(os) is { } name ? OsNames[name] : here;
            var printOnly = parse.GetValue(print);
            if (target != here && !printOnly)
            {
                throw new CliException($"This machine can only install its own kind of service; add --print to see the {parse.GetValue(os)} definition.");
            }

            var agent = parse.GetValue(executable) is { } program
                ? AgentCommandLine.ForExecutable(Executable(program, mustExist: !printOnly, sameOs: target == here), cli.Config.Path, cli.State.Path)
                : AgentCommandLine.Current(cli.Config.Path, cli.State.Path);
            var host = ServiceHost.Current();
            var installer = ServiceInstaller.For(target, host);
            if (parse.GetValue(atLogin) && target != ServiceOs.Linux)
            {
                throw new CliException("--at-login is for Linux without a user systemd; on macOS and Windows 'backazon install' already starts the agent at login.");
            }

            if (printOnly)
            {
                await cli.Out.WriteAsync(parse.GetValue(atLogin) ? new LoginShellStart(host).Render(agent) : installer.Render(agent));
                return ExitCodes.Success;
            }

            // An agent with no enrollment could only fail and restart, over and over.
            cli.RequireDevice();
            ServiceOutcome outcome;
            try
            {
                outcome = parse.GetValue(atLogin) ? new LoginShellStart(host).Install(agent) : await installer.InstallAsync(agent, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"The service definition could not be written ({e.Message}); check that your home folder is writable.");
            }

            return await ReportAsync(cli, outcome);
        }));
        return command;
    }

    private static Command Uninstall(CliContext cli)
    {
        var command = new Command("uninstall", "Stop the background agent and remove its service (backups and enrollment stay)");
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            var host = ServiceHost.Current();
            var outcome = await ServiceInstaller.For(ServiceInstaller.CurrentOs, host).UninstallAsync(cancellationToken);
            if (ServiceInstaller.CurrentOs == ServiceOs.Linux && new LoginShellStart(host).Uninstall())
            {
                outcome = outcome.Changed
                    ? outcome with { Message = outcome.Message + Environment.NewLine + "Removed the agent's start from your login shell's profile." }
                    : new ServiceOutcome(true, "Removed the agent's start from your login shell's profile; an agent running now keeps running until stopped ('backazon status' shows its pid).");
            }
            if (outcome.Changed)
            {
                var device = cli.Config.File(DeviceConfig.FileName);
                outcome = outcome with
                {
                    Message = outcome.Message + Environment.NewLine +
                        $"Left alone: your backups on the server, this machine's enrollment ({device}) and its local index; to remove the enrollment too, delete {device} (your operator can revoke the device).",
                };
            }

            return await ReportAsync(cli, outcome);
        }));
        return command;
    }

    private static async Task<int> ReportAsync(CliContext cli, ServiceOutcome outcome)
    {
        if (outcome.Message.Length > 0)
        {
            await cli.Out.WriteLineAsync(outcome.Message);
        }

        if (outcome.Note is { } note)
        {
            await cli.Error.WriteLineAsync(note);
        }

        return outcome.Failure is { } failure ? throw new CliException(failure) : ExitCodes.Success;
    }

    /// <summary>The program given with --executable, as the service must name it: absolute, and
    /// (when it is registered, not just printed) a program that exists.</summary>
    private static string Executable(string program, bool mustExist, bool sameOs)
    {
        // A path for another OS is printed as given: this machine cannot resolve it.
        var path = sameOs ? Path.GetFullPath(program) : program;
        if (mustExist && !File.Exists(path))
        {
            throw new CliException($"There is no program at '{path}'; give --executable the path of the backazon program the service should run.");
        }

        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"'{path}' is a .NET assembly, not a program; give --executable the single-file backazon, or run install without --executable.");
        }

        return path;
    }
}
