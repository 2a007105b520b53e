using Backazon.Uploader.Configuration;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Ui;

/// <summary>Catalog paths as the person knows them: the path they backed up, under the home
/// folder written with ~ ("home/ada/Documents/x" → "~/Documents/x").</summary>
public static class UserPaths
{
    /// <summary>For people: shortened with ~.</summary>
    public static string Show(string catalogPath) => HomePath.Shorten(CatalogPath.ToOriginal(catalogPath));

    /// <summary>For --json: the full local path, which a script can use as it is.</summary>
    public static string Full(string catalogPath) => CatalogPath.ToOriginal(catalogPath);

    /// <summary>What a person typed (relative, absolute, or starting with ~, quoted or not) as the
    /// catalog names it.</summary>
    public static string ToCatalog(string path) => CatalogPath.FromLocal(Path.TrimEndingDirectorySeparator(HomePath.Expand(path)));
}
