namespace Backazon.Uploader.Service;

/// <summary>
/// How a service manager starts "backazon agent": the program, its arguments, and the config
/// and state folders it must use. The agent is this very executable: the single-file build
/// runs itself, a framework-dependent build runs as "dotnet backazon.dll".
/// </summary>
/// <remarks>
/// Both folders are always passed explicitly, not only when BACKAZON_CONFIG_DIR or
/// BACKAZON_STATE_DIR is set: their defaults come from XDG_CONFIG_HOME, XDG_STATE_HOME or
/// %APPDATA%, and a service manager starts the agent with its own environment, not the
/// installing shell's. Pinning the folders the installing command uses is the only way the agent
/// is sure to find the same enrollment, and the same pause and status files that "backazon
/// pause" and "backazon status" in the user's shell use.
/// </remarks>
public sealed record AgentCommandLine(string Program, IReadOnlyList<string> Arguments, string ConfigFolder, string StateFolder)
{
    public const string Verb = "agent";
    public const string ConfigDirVariable = "BACKAZON_CONFIG_DIR";
    public const string StateDirVariable = "BACKAZON_STATE_DIR";

    /// <summary>The variables that pin the agent's folders, in the order they are written.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment => [new(ConfigDirVariable, ConfigFolder), new(StateDirVariable, StateFolder)];

    /// <summary>The command line that starts the agent of the process at <paramref name="processPath"/>,
    /// whose code is the assembly at <paramref name="assemblyPath"/>.</summary>
    public static AgentCommandLine ForProcess(string processPath, string assemblyPath, string configFolder, string stateFolder)
    {
        // Under "dotnet backazon.dll" the process is the shared host, which would run nothing
        // without the assembly's path.
        var isDotnetHost = System.IO.Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return isDotnetHost
            ? new(processPath, [assemblyPath, Verb], configFolder, stateFolder)
            : ForExecutable(processPath, configFolder, stateFolder);
    }

    /// <summary>Runs <paramref name="executable"/> (a backazon program) as the agent.</summary>
    public static AgentCommandLine ForExecutable(string executable, string configFolder, string stateFolder) => new(executable, [Verb], configFolder, stateFolder);

    /// <summary>The command line of the running process.</summary>
    public static AgentCommandLine Current(string configFolder, string stateFolder) =>
        ForProcess(System.Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running program is unknown."),
            // Not Assembly.Location, which is empty inside a single-file build.
            System.IO.Path.Combine(AppContext.BaseDirectory, typeof(AgentCommandLine).Assembly.GetName().Name + ".dll"), configFolder, stateFolder);
}
