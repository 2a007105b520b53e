namespace Backazon.Uploader.Configuration;

/// <summary>
/// Where the agent keeps what it learns as it runs — its status, the pause, the run lock and its
/// logs: $XDG_STATE_HOME/backazon (~/.local/state/backazon) on Linux, the local application data
/// folder elsewhere; BACKAZON_STATE_DIR overrides it. A config folder chosen by hand
/// (BACKAZON_CONFIG_DIR, tests) keeps its state beside it, so two configurations never share one.
/// </summary>
public sealed class StateFolder(string path)
{
    public string Path { get; } = path;

    public string AgentStatusFile => File("agent.json");

    public string PauseFile => File("pause.json");

    /// <summary>Held by the one agent of this user while it runs.</summary>
    public string AgentLockFile => File("agent.lock");

    /// <summary>Held by whoever is backing up (the agent or a "backup" by hand).</summary>
    public string BackupLockFile => File("backup.lock");

    public string LogFolder => File("logs");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Create() => Directory.CreateDirectory(Path);

    public static StateFolder For(ConfigFolder config)
    {
        if (Environment.GetEnvironmentVariable("BACKAZON_STATE_DIR") is { Length: > 0 } dir)
        {
            return new StateFolder(dir);
        }

        if (System.IO.Path.GetFullPath(config.Path) != System.IO.Path.GetFullPath(ConfigFolder.PlatformPath))
        {
            return new StateFolder(System.IO.Path.Combine(config.Path, "state"));
        }

        var root = OperatingSystem.IsLinux()
            ? Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg ? xdg
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state")
            : Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        return new StateFolder(System.IO.Path.Combine(root, "backazon"));
    }
}
