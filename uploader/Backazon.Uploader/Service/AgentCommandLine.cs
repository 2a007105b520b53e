namespace Backazon.Uploader.Service;

/// <summary>
/// How a service manager starts "backazon agent": the program, its arguments, and the
/// environment it needs. The agent is this very executable: the single-file build runs itself,
/// a framework-dependent build runs as "dotnet backazon.dll".
/// </summary>
public sealed record AgentCommandLine(string Program, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    public const string Verb = "agent";
    public const string ConfigDirVariable = "BACKAZON_CONFIG_DIR";

    /// <summary>The command line that starts the agent of the process at <paramref name="processPath"/>,
    /// whose code is the assembly at <paramref name="assemblyPath"/>, on the config folder
    /// <paramref name="configFolder"/>.</summary>
    public static AgentCommandLine ForProcess(string processPath, string assemblyPath, string configFolder)
    {
        // Under "dotnet backazon.dll" the process is the shared host, which would run nothing
        // without the assembly's path.
        var isDotnetHost = System.IO.Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return isDotnetHost
            ? new(processPath, [assemblyPath, Verb], Pinned(configFolder))
            : ForExecutable(processPath, configFolder);
    }

    /// <summary>Runs <paramref name="executable"/> (a backazon program) as the agent.</summary>
    public static AgentCommandLine ForExecutable(string executable, string configFolder) => new(executable, [Verb], Pinned(configFolder));

    /// <summary>The command line of the running process.</summary>
    public static AgentCommandLine Current(string configFolder) =>
        ForProcess(System.Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running program is unknown."),
            // Not Assembly.Location, which is empty inside a single-file build.
            System.IO.Path.Combine(AppContext.BaseDirectory, typeof(AgentCommandLine).Assembly.GetName().Name + ".dll"), configFolder);

    /// <summary>
    /// The config folder is always passed explicitly, not only when BACKAZON_CONFIG_DIR is set:
    /// the default folder comes from XDG_CONFIG_HOME or %APPDATA%, and a service manager starts
    /// the agent with its own environment, not the installing shell's. Pinning the folder the
    /// installing command uses is the only way the agent is sure to find the same enrollment.
    /// </summary>
    private static Dictionary<string, string> Pinned(string configFolder) => new(StringComparer.Ordinal) { [ConfigDirVariable] = configFolder };
}
