namespace Backazon.Uploader.Configuration;

/// <summary>Paths as a person writes them: <c>~</c> is the home folder, in the config file and on
/// the command line alike (a shell expands an unquoted ~, JSON and quoted arguments do not).</summary>
public static class HomePath
{
    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public static string Expand(string path)
    {
        if (path == "~")
        {
            return Home;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal) || (OperatingSystem.IsWindows() && path.StartsWith("~\\", StringComparison.Ordinal)))
        {
            return Path.Combine(Home, path[2..]);
        }

        return Path.GetFullPath(path);
    }

    /// <summary>The way to show (and store) a path: under the home folder it starts with ~.</summary>
    public static string Shorten(string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(Home, full);
        return relative == "." ? "~"
            : relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full
            : "~" + Path.DirectorySeparatorChar + relative;
    }
}
