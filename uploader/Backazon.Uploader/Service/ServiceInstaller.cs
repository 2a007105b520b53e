using System.Runtime.InteropServices;
using System.Text;
using System.Xml.Linq;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Service;

/// <summary>The operating systems whose per-user service managers "backazon install" speaks to.</summary>
public enum ServiceOs
{
    Linux,
    MacOS,
    Windows,
}

/// <summary>What installing needs from the machine: a way to run the service manager's tools,
/// the environment (home folder, XDG_CONFIG_HOME), and who the user is. Tests pass their own.</summary>
public sealed class ServiceHost(ICommandRunner commands, Func<string, string?> variable, string unixUserId, string windowsUser, Func<string, string?>? accountVariable = null)
{
    public ICommandRunner Commands { get; } = commands;

    /// <summary>The numeric uid, naming launchd's gui/&lt;uid&gt; domain (empty on Windows).</summary>
    public string UnixUserId { get; } = unixUserId;

    /// <summary>DOMAIN\user (the machine name for a local account), the task's principal on Windows.</summary>
    public string WindowsUser { get; } = windowsUser;

    public static ServiceHost Current() => new(new ProcessCommandRunner(), Environment.GetEnvironmentVariable,
        OperatingSystem.IsWindows() ? "" : getuid().ToString(System.Globalization.CultureInfo.InvariantCulture),
        $@"{Environment.UserDomainName}\{Environment.UserName}",
        OperatingSystem.IsWindows() ? name => Environment.GetEnvironmentVariable(name, EnvironmentVariableTarget.User) : null);

    /// <summary>An environment variable, or null when unset or empty.</summary>
    public string? Variable(string name) => variable(name) is { Length: > 0 } value ? value : null;

    /// <summary>A variable set for the user's account (Windows: HKCU\Environment), which every
    /// program the user starts, a scheduled task too, inherits; null elsewhere or when unset.</summary>
    public string? AccountVariable(string name) => accountVariable?.Invoke(name) is { Length: > 0 } value ? value : null;

    public string Home => Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    // DllImport rather than LibraryImport, which would need unsafe code for one blittable call.
    [DllImport("libc")]
    private static extern uint getuid();
}

/// <summary>What an install or uninstall did: <see cref="Message"/> goes to standard output;
/// <see cref="Failure"/> (one sentence) means exit code 1; <see cref="Note"/> is worth saying
/// but is no failure.</summary>
public sealed record ServiceOutcome(bool Changed, string Message, string? Failure = null, string? Note = null);

/// <summary>
/// Registers "backazon agent" with one OS's per-user service manager: writes its definition
/// (<see cref="Render"/>) and runs the manager's tool. Per-user on purpose: the agent must run
/// as the user whose files and enrollment it backs up, and only while that user's account is in
/// use, with no password or administrator rights needed to install it.
/// </summary>
public abstract class ServiceInstaller
{
    /// <summary>The definition text, exactly as it is registered.</summary>
    public abstract string Render(AgentCommandLine agent);

    public abstract Task<ServiceOutcome> InstallAsync(AgentCommandLine agent, CancellationToken cancellationToken = default);

    public abstract Task<ServiceOutcome> UninstallAsync(CancellationToken cancellationToken = default);

    public static ServiceInstaller For(ServiceOs os, ServiceHost host) => os switch
    {
        ServiceOs.Linux => new SystemdUnit(host),
        ServiceOs.MacOS => new LaunchdAgent(host),
        _ => new ScheduledTask(host),
    };

    public static ServiceOs CurrentOs =>
        OperatingSystem.IsLinux() ? ServiceOs.Linux
        : OperatingSystem.IsMacOS() ? ServiceOs.MacOS
        : OperatingSystem.IsWindows() ? ServiceOs.Windows
        : throw new CliException("Installing a background service works on Linux (systemd), macOS (launchd) and Windows (Task Scheduler) only; run 'backazon agent' from this system's startup programs instead.");

    /// <summary>Writes a definition whole or not at all (a temporary file, then a rename), so a
    /// service manager never reads half of one.</summary>
    protected static void WriteAtomically(string path, string text, Encoding encoding)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text, encoding);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>UTF-8 without a byte order mark: what systemd and launchd expect.</summary>
    protected static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The document with its declaration, which <see cref="XDocument.ToString()"/> leaves out.</summary>
    protected static string XmlText(XDocument document) => document.Declaration + "\n" + document + "\n";
}
