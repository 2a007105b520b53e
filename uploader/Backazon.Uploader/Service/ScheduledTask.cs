using System.Text;
using System.Xml.Linq;

namespace Backazon.Uploader.Service;

/// <summary>
/// Windows: a Task Scheduler task "Backazon" that starts the agent when the user logs on, in
/// the user's session, registered with "schtasks /Create /XML".
/// </summary>
/// <remarks>
/// Not a Windows service: a service runs as a system account (LocalSystem, LocalService) or
/// needs the user's password stored with it, outside the user's session, so it would neither
/// see the user's %APPDATA% enrollment nor be installable without administrator rights. A logon
/// task with an interactive token runs as the user, only while the user is logged on, and stores
/// no password.
/// </remarks>
public sealed class ScheduledTask(ServiceHost host) : ServiceInstaller
{
    public const string Name = "Backazon";
    private static readonly XNamespace Task = "http://schemas.microsoft.com/windows/2004/02/mit/task";

    public override string Render(AgentCommandLine agent)
    {
        var user = host.WindowsUser;
        // The agent itself, not a wrapper, so /End, the exit code and RestartOnFailure reach it.
        // A console program started this way opens a console window in the user's session: the
        // agent has to let go of it (FreeConsole) to run unseen. ("conhost.exe --headless" as
        // the command would hide it here too, but that switch is undocumented.)
        var exec = new XElement(Task + "Exec",
            new XElement(Task + "Command", agent.Program),
            new XElement(Task + "Arguments", string.Join(' ', agent.Arguments.Select(Quote))));
        var task = new XDocument(
            // UTF-16, as Task Scheduler exports tasks and as "schtasks /XML" reads them most reliably.
            new XDeclaration("1.0", "UTF-16", null),
            new XElement(Task + "Task", new XAttribute("version", "1.2"),
                new XElement(Task + "RegistrationInfo",
                    new XElement(Task + "Description", "Backazon backup agent: backs up this user's files in the background. Written by \"backazon install\"; \"backazon uninstall\" removes it."),
                    new XElement(Task + "URI", @"\" + Name)),
                new XElement(Task + "Triggers",
                    new XElement(Task + "LogonTrigger", new XElement(Task + "Enabled", true), new XElement(Task + "UserId", user))),
                new XElement(Task + "Principals",
                    new XElement(Task + "Principal", new XAttribute("id", "Author"),
                        new XElement(Task + "UserId", user),
                        // Runs only while the user is logged on, with no password stored.
                        new XElement(Task + "LogonType", "InteractiveToken"),
                        new XElement(Task + "RunLevel", "LeastPrivilege"))),
                new XElement(Task + "Settings",
                    new XElement(Task + "MultipleInstancesPolicy", "IgnoreNew"),
                    // A laptop on battery still backs up: the defaults would stop it.
                    new XElement(Task + "DisallowStartIfOnBatteries", false),
                    new XElement(Task + "StopIfGoingOnBatteries", false),
                    new XElement(Task + "AllowHardTerminate", true),
                    new XElement(Task + "StartWhenAvailable", true),
                    new XElement(Task + "RunOnlyIfNetworkAvailable", false),
                    new XElement(Task + "IdleSettings", new XElement(Task + "StopOnIdleEnd", false), new XElement(Task + "RestartOnIdle", false)),
                    new XElement(Task + "AllowStartOnDemand", true),
                    new XElement(Task + "Enabled", true),
                    new XElement(Task + "Hidden", false),
                    new XElement(Task + "RunOnlyIfIdle", false),
                    new XElement(Task + "WakeToRun", false),
                    // PT0S: no time limit (the default stops a task after 72 hours).
                    new XElement(Task + "ExecutionTimeLimit", "PT0S"),
                    // A good citizen: 7 is what Task Scheduler documents for background tasks, a
                    // process below normal CPU priority with a lower memory priority (4-6 are for
                    // interactive tasks; 9-10 idle CPU, which a busy computer could starve for hours).
                    new XElement(Task + "Priority", 7),
                    // Every minute (the shortest interval allowed), up to 999 times (the most).
                    new XElement(Task + "RestartOnFailure", new XElement(Task + "Interval", "PT1M"), new XElement(Task + "Count", 999))),
                new XElement(Task + "Actions", new XAttribute("Context", "Author"), exec)));
        return XmlText(task);
    }

    public override async Task<ServiceOutcome> InstallAsync(AgentCommandLine agent, CancellationToken cancellationToken = default)
    {
        if (MissingVariable(agent) is { } missing)
        {
            return new ServiceOutcome(false, "",
                $"A scheduled task cannot set {missing.Key} for the agent, so set it for your account with 'setx {missing.Key} {Quote(missing.Value)}' and run 'backazon install' again.");
        }

        // The task lives in Task Scheduler once registered; the file is only the way in.
        var file = Path.Combine(Path.GetTempPath(), $"backazon-task-{Guid.NewGuid():n}.xml");
        await File.WriteAllTextAsync(file, Render(agent), Encoding.Unicode, cancellationToken);
        CommandResult create;
        try
        {
            create = await SchtasksAsync(["/Create", "/TN", Name, "/XML", file, "/F"], cancellationToken);
        }
        finally
        {
            File.Delete(file);
        }

        if (!create.Succeeded)
        {
            return new ServiceOutcome(false, "", $"Task Scheduler did not register the task because 'schtasks /Create' failed ({create.Problem("schtasks")}).");
        }

        // The logon trigger fires at the next logon; start it now as well.
        var run = await SchtasksAsync(["/Run", "/TN", Name], cancellationToken);
        var registered = $@"Registered the Task Scheduler task \{Name}, which starts the Backazon agent whenever you log on.";
        return run.Succeeded
            ? new ServiceOutcome(true, $@"Installed: the Backazon agent runs in the background now and whenever you log on (Task Scheduler task \{Name}).")
            : new ServiceOutcome(true, registered, $"The agent could not be started now because 'schtasks /Run' failed ({run.Problem("schtasks")}); start it with 'schtasks /Run /TN {Name}', or log on again.");
    }

    public override async Task<ServiceOutcome> UninstallAsync(CancellationToken cancellationToken = default)
    {
        if (!(await SchtasksAsync(["/Query", "/TN", Name], cancellationToken)).Succeeded)
        {
            return new ServiceOutcome(false, $@"The Backazon agent is not installed as a service here (there is no Task Scheduler task \{Name}); nothing to remove.");
        }

        // Fails when the task is not running: nothing to stop then.
        await SchtasksAsync(["/End", "/TN", Name], cancellationToken);
        var delete = await SchtasksAsync(["/Delete", "/TN", Name, "/F"], cancellationToken);
        return delete.Succeeded
            ? new ServiceOutcome(true, $@"Removed the Backazon background service (Task Scheduler task \{Name}).")
            : new ServiceOutcome(false, "", $"The task could not be removed because 'schtasks /Delete' failed ({delete.Problem("schtasks")}).");
    }

    /// <summary>
    /// A task's action has no environment of its own: the agent gets the account's. It finds the
    /// same folders when they are the defaults (%APPDATA%\backazon, %LOCALAPPDATA%\backazon, as
    /// ConfigFolder and StateFolder work them out) or are set for the account; a variable set
    /// only in this shell would be lost. Returns the first variable that would be.
    /// </summary>
    private KeyValuePair<string, string>? MissingVariable(AgentCommandLine agent)
    {
        var platformConfig = host.Variable("APPDATA") is { } appData ? WindowsPath(appData) + @"\backazon" : null;
        var config = host.AccountVariable(AgentCommandLine.ConfigDirVariable) ?? platformConfig;
        var state = host.AccountVariable(AgentCommandLine.StateDirVariable)
            ?? (config is null ? null
                : Same(config, platformConfig) ? (host.Variable("LOCALAPPDATA") is { } local ? WindowsPath(local) + @"\backazon" : null)
                : WindowsPath(config) + @"\state");
        return !Same(config, agent.ConfigFolder) ? new(AgentCommandLine.ConfigDirVariable, agent.ConfigFolder)
            : !Same(state, agent.StateFolder) ? new(AgentCommandLine.StateDirVariable, agent.StateFolder)
            : null;
    }

    private static bool Same(string? inherited, string? pinned) =>
        inherited is not null && pinned is not null && string.Equals(WindowsPath(inherited), WindowsPath(pinned), StringComparison.OrdinalIgnoreCase);

    /// <summary>A Windows path without a trailing separator, spelled the same whichever OS prints it.</summary>
    private static string WindowsPath(string path) => path.TrimEnd('\\', '/');

    /// <summary>One argument as Windows programs split their command line (CommandLineToArgvW):
    /// quoted when it has spaces, tabs or quotes, with the backslashes before a quote doubled.</summary>
    public static string Quote(string argument)
    {
        if (argument.Length > 0 && !argument.Any(c => c is ' ' or '\t' or '"'))
        {
            return argument;
        }

        var quoted = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            quoted.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
            backslashes = 0;
        }

        return quoted.Append('\\', backslashes * 2).Append('"').ToString();
    }

    private Task<CommandResult> SchtasksAsync(string[] arguments, CancellationToken cancellationToken) =>
        host.Commands.RunAsync("schtasks", arguments, cancellationToken);
}
