using System.Xml.Linq;
using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Service;

/// <summary>
/// macOS: a launchd agent, ~/Library/LaunchAgents/com.backazon.agent.plist, loaded into the
/// user's login session (the gui/&lt;uid&gt; domain): launchd starts it at login, as the user.
/// </summary>
public sealed class LaunchdAgent(ServiceHost host) : ServiceInstaller
{
    public const string Label = "com.backazon.agent";

    public string PlistFile => Path.Combine(host.Home, "Library", "LaunchAgents", Label + ".plist");

    /// <summary>Where launchd puts what the agent prints: beside the agent's own logs in its state
    /// folder, so that a crash before the agent's logging starts is not lost.</summary>
    public static string LogFile(AgentCommandLine agent) => Path.Combine(new StateFolder(agent.StateFolder).LogFolder, "launchd.log");

    private string Domain => $"gui/{host.UnixUserId}";

    public override string Render(AgentCommandLine agent)
    {
        var entries = new List<(string Key, XElement Value)>
        {
            ("Label", new XElement("string", Label)),
            ("ProgramArguments", new XElement("array", new[] { agent.Program }.Concat(agent.Arguments).Select(a => new XElement("string", a)))),
            ("RunAtLoad", new XElement("true")),
            // Started again when it exits with an error or a signal, not after a clean exit.
            ("KeepAlive", Dict([("SuccessfulExit", new XElement("false"))])),
            // Not more often than every 30 s, like RestartSec in the systemd unit.
            ("ThrottleInterval", new XElement("integer", 30)),
            // A good citizen: background work as macOS schedules it (CPU and I/O throttled while
            // the user is active), low-priority disk access, and the lowest CPU share.
            ("ProcessType", new XElement("string", "Background")),
            ("LowPriorityIO", new XElement("true")),
            ("LowPriorityBackgroundIO", new XElement("true")),
            ("Nice", new XElement("integer", 19)),
            ("StandardOutPath", new XElement("string", LogFile(agent))),
            ("StandardErrorPath", new XElement("string", LogFile(agent))),
            ("EnvironmentVariables", Dict(agent.Environment.Select(e => (e.Key, new XElement("string", e.Value))))),
        };

        var plist = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XElement("plist", new XAttribute("version", "1.0"), Dict(entries)));
        return XmlText(plist);
    }

    public override async Task<ServiceOutcome> InstallAsync(AgentCommandLine agent, CancellationToken cancellationToken = default)
    {
        WriteAtomically(PlistFile, Render(agent), Utf8);
        // launchd opens the log file but does not create its folder; without it the agent would not start.
        Directory.CreateDirectory(Path.GetDirectoryName(LogFile(agent))!);
        var written = $"Wrote the launchd agent {PlistFile}.";

        // A loaded older definition makes bootstrap fail, and one the user disabled would not
        // load: unload (failing when it is not loaded, which is fine) and enable first.
        await LaunchctlAsync(["bootout", $"{Domain}/{Label}"], cancellationToken);
        await LaunchctlAsync(["enable", $"{Domain}/{Label}"], cancellationToken);
        var load = await LaunchctlAsync(["bootstrap", Domain, PlistFile], cancellationToken);
        if (!load.Succeeded)
        {
            return new ServiceOutcome(true, written,
                $"The agent could not be started because 'launchctl bootstrap {Domain}' failed ({load.Problem("launchctl")}); start it with 'launchctl bootstrap {Domain} {PlistFile}' from your login session.");
        }

        return new ServiceOutcome(true, $"Installed: the Backazon agent runs in the background now and whenever you log in (launchd agent {PlistFile}; its logs: {Path.GetDirectoryName(LogFile(agent))}).");
    }

    public override async Task<ServiceOutcome> UninstallAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(PlistFile))
        {
            return new ServiceOutcome(false, $"The Backazon agent is not installed as a service here (there is no {PlistFile}); nothing to remove.");
        }

        // Fails when the agent is not loaded (already stopped): nothing to undo then.
        await LaunchctlAsync(["bootout", $"{Domain}/{Label}"], cancellationToken);
        File.Delete(PlistFile);
        return new ServiceOutcome(true, $"Removed the Backazon background service (launchd agent {PlistFile}).");
    }

    private static XElement Dict(IEnumerable<(string Key, XElement Value)> entries) =>
        new("dict", entries.SelectMany(e => new[] { new XElement("key", e.Key), e.Value }));

    private Task<CommandResult> LaunchctlAsync(string[] arguments, CancellationToken cancellationToken) =>
        host.Commands.RunAsync("launchctl", arguments, cancellationToken);
}
