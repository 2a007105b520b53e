namespace Backazon.Uploader.Configuration;

/// <summary>
/// What is backed up when nothing is configured: the user's documents, desktop and pictures
/// folders, where they exist. These hold what a person would miss after a dead disk; programs,
/// caches and downloads can be fetched again. The platform says where they are (on Linux the
/// XDG user folders, so a localized desktop's names are found too).
/// </summary>
public static class DefaultFolders
{
    public static IReadOnlyList<string> Candidates()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        // On Unix .NET's "MyDocuments" is the home folder itself, which is too much to take by
        // default: documents are ~/Documents there.
        var documents = OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.MyDocuments) : Path.Combine(home, "Documents");
        return [.. new[] { documents, Environment.GetFolderPath(Environment.SpecialFolder.DesktopDirectory), Environment.GetFolderPath(Environment.SpecialFolder.MyPictures) }
            .Where(folder => folder.Length > 0 && Path.GetFullPath(folder) != Path.GetFullPath(home))
            .Distinct(StringComparer.Ordinal)];
    }

    public static IReadOnlyList<string> Existing() => [.. Candidates().Where(Directory.Exists)];
}
