using System.Globalization;
using System.Text;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Service;

/// <summary>
/// Linux: a systemd user unit, $XDG_CONFIG_HOME/systemd/user/backazon.service (~/.config/...),
/// enabled with "systemctl --user". The user's own systemd starts it at login and stops it at
/// logout (unless lingering is on), as the user, with no root needed.
/// </summary>
public sealed class SystemdUnit(ServiceHost host) : ServiceInstaller
{
    public const string Name = "backazon.service";
    private const string StartHint = "systemctl --user daemon-reload && systemctl --user enable --now " + Name;

    /// <summary>The user's unit folder, as systemd finds it: XDG_CONFIG_HOME when it is an
    /// absolute path (the XDG rule; a relative one is ignored), else ~/.config.</summary>
    public string UnitFolder =>
        Path.Combine(host.Variable("XDG_CONFIG_HOME") is { } config && Path.IsPathRooted(config) ? config : Path.Combine(host.Home, ".config"), "systemd", "user");

    public string UnitFile => Path.Combine(UnitFolder, Name);

    public override string Render(AgentCommandLine agent)
    {
        var text = new StringBuilder();
        text.Append("# Written by \"backazon install\"; \"backazon uninstall\" removes it.\n");
        text.Append("[Unit]\n");
        text.Append("Description=Backazon backup agent\n");
        text.Append('\n');
        text.Append("[Service]\n");
        // The agent calls AddSystemd, which says READY=1 once it has started: "active" then means
        // running, not merely forked.
        text.Append("Type=notify\n");
        text.Append("ExecStart=").Append(Executable(agent.Program));
        foreach (var argument in agent.Arguments)
        {
            text.Append(' ').Append(Quote(argument, expandsVariables: true));
        }

        text.Append('\n');
        foreach (var (name, value) in agent.Environment)
        {
            text.Append("Environment=").Append(Quote($"{name}={value}", expandsVariables: false)).Append('\n');
        }

        // A good citizen: a first backup of a large disk reads and hashes for hours, and must not
        // make the computer sluggish. The lowest CPU share a user may give itself, CPU time as
        // a batch job (no wake-up boost), and the disk only when nothing else wants it.
        text.Append("Nice=19\n");
        text.Append("CPUSchedulingPolicy=batch\n");
        text.Append("IOSchedulingClass=idle\n");
        // Back after a crash or a failed start (no network at login), but not in a tight loop.
        text.Append("Restart=on-failure\n");
        text.Append("RestartSec=30\n");
        text.Append('\n');
        text.Append("[Install]\n");
        // default.target is what a user's systemd reaches at login.
        text.Append("WantedBy=default.target\n");
        return text.ToString();
    }

    public override async Task<ServiceOutcome> InstallAsync(AgentCommandLine agent, CancellationToken cancellationToken = default)
    {
        var text = Render(agent);
        var previous = File.Exists(UnitFile) ? await File.ReadAllTextAsync(UnitFile, cancellationToken) : null;
        WriteAtomically(UnitFile, text, Utf8);
        var written = $"Wrote the systemd user unit {UnitFile}.";

        // "enable --now" leaves a running agent as it is, so a changed unit (a moved program,
        // another config folder) takes effect only with a restart.
        List<string[]> steps = [["daemon-reload"], ["enable", "--now", Name]];
        if (previous is not null && previous != text)
        {
            steps.Add(["restart", Name]);
        }

        foreach (var step in steps)
        {
            var result = await SystemctlAsync(step, cancellationToken);
            if (!result.Found)
            {
                return new ServiceOutcome(true, written,
                    "The service could not be started because this system has no systemctl (it does not run systemd); " +
                    "run 'backazon install --at-login' to start the agent from your login shell instead.");
            }

            if (!result.Succeeded)
            {
                // No user systemd in this session (a container, WSL, an ssh login without lingering):
                // what would work, in order of preference.
                return new ServiceOutcome(true, written,
                    $"The service could not be started because 'systemctl --user {string.Join(' ', step)}' failed ({result.Problem("systemctl")}): this session has no systemd of its own; " +
                    $"where the system runs systemd, run 'loginctl enable-linger' and log in again, then '{StartHint}'; " +
                    "otherwise run 'backazon install --at-login' to start the agent from your login shell instead.");
            }
        }

        return new ServiceOutcome(true,
            $"Installed: the Backazon agent runs in the background now and whenever you log in (systemd user unit {UnitFile}; its log: journalctl --user -u {Name}).",
            Note: "To keep it running while you are logged out as well, run 'loginctl enable-linger'.");
    }

    public override async Task<ServiceOutcome> UninstallAsync(CancellationToken cancellationToken = default)
    {
        var wanted = Path.Combine(UnitFolder, "default.target.wants", Name);
        if (!File.Exists(UnitFile) && !IsLink(wanted))
        {
            return new ServiceOutcome(false, $"The Backazon agent is not installed as a service here (there is no {UnitFile}); nothing to remove.");
        }

        var stop = await SystemctlAsync(["disable", "--now", Name], cancellationToken);
        File.Delete(UnitFile);
        // "disable" removes this link; when systemctl could not run, remove it by hand so nothing
        // points at the deleted unit.
        if (IsLink(wanted) || File.Exists(wanted))
        {
            File.Delete(wanted);
        }

        string? note = null;
        if (stop.Succeeded)
        {
            await SystemctlAsync(["daemon-reload"], cancellationToken);
        }
        else if (stop.Found)
        {
            note = $"systemctl --user could not be reached ({stop.Problem("systemctl")}), so an agent that is running now keeps running until you log out.";
        }

        return new ServiceOutcome(true, $"Removed the Backazon background service (systemd user unit {UnitFile}).", Note: note);
    }

    /// <summary>The program of ExecStart, quoted. systemd expands specifiers in it but not
    /// $VARIABLES, and refuses a program whose path has quotes, backslashes or control characters
    /// ("Executable name contains special characters"), so such a path is refused here, in words.</summary>
    public static string Executable(string path) =>
        path.Any(c => c is '"' or '\'' or '\\' || char.IsControl(c))
            ? throw new CliException($"systemd cannot run a program whose path has quotes, backslashes or control characters ('{path}'); put backazon in a folder without them, or name another path with --executable.")
            : Quote(path, expandsVariables: false);

    /// <summary>
    /// One word of a unit file's command line or assignment, as systemd reads it back: plain when
    /// it has nothing systemd treats specially, else in double quotes with \ and " escaped, %
    /// doubled (specifiers) and, where systemd expands $VARIABLES (ExecStart), $ doubled.
    /// </summary>
    public static string Quote(string word, bool expandsVariables)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:,=@".Contains(c)))
        {
            return word;
        }

        var quoted = new StringBuilder("\"");
        foreach (var c in word)
        {
            quoted.Append(c switch
            {
                '\\' => @"\\",
                '"' => "\\\"",
                '%' => "%%",
                '$' when expandsVariables => "$$",
                '\n' => @"\n",
                '\t' => @"\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $@"\x{(int)c:x2}"),
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    private Task<CommandResult> SystemctlAsync(string[] arguments, CancellationToken cancellationToken) =>
        host.Commands.RunAsync("systemctl", ["--user", .. arguments], cancellationToken);

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;
}
