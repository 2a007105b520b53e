namespace Backazon.Uploader.Scanning;

/// <summary>
/// Walks one backup root and yields its files and symbolic links, lazily, one folder listing at
/// a time, so memory stays flat however large the tree. Symbolic links are recorded, never
/// followed — a link to a folder is a link, not a folder — so loops cannot happen. Excluded folders
/// are not read. Anything that cannot be read (permission denied, a folder removed mid-scan) or is
/// not a regular file (fifo, socket, device) goes to <c>skipped</c> with a reason, and the walk
/// goes on.
/// </summary>
/// <remarks>
/// A root that is missing or unreadable is reported through <c>skipped</c> too: a caller deciding
/// what was deleted must not read "nothing scanned" as "everything deleted"
/// (see <see cref="Planning.ChangePlanner"/>).
/// </remarks>
public sealed class TreeScanner(ExclusionRules exclusions, Action<string, string> skipped)
{
    private const int ListingChunk = 512;

    private static readonly EnumerationOptions ListOneFolder = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Scans <paramref name="root"/> (an absolute path).</summary>
    public IEnumerable<ScannedEntry> Scan(string root)
    {
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var rootCatalogPath = CatalogPath.FromLocal(root);

        var rootInfo = new DirectoryInfo(root);
        if (!TryReadLink(rootInfo, out var rootLink))
        {
            yield break;
        }

        if (!rootInfo.Exists || rootLink is not null)
        {
            // A file or a link selected as a root is backed up as that one entry.
            var file = new FileInfo(root);
            if (Describe(file, rootCatalogPath, rootLink) is { } single)
            {
                yield return single;
            }
            else if (!file.Exists)
            {
                skipped(root, "not found");
            }

            yield break;
        }

        // Depth-first with an explicit stack: no recursion depth limit, and only the folders
        // still to visit are held, never the files already yielded.
        var folders = new Stack<(DirectoryInfo Folder, string Relative)>();
        folders.Push((rootInfo, ""));
        while (folders.TryPop(out var current))
        {
            // A few hundred entries at a time: exclusions are matched per chunk, and a folder of
            // a million files is never held whole.
            foreach (var chunk in List(current.Folder).Chunk(ListingChunk))
            {
                var entries = new List<(FileSystemInfo Info, string Relative, string? Link, bool IsFolder)>(chunk.Length);
                foreach (var info in chunk)
                {
                    if (TryReadLink(info, out var linkTarget))
                    {
                        var relative = current.Relative.Length == 0 ? info.Name : current.Relative + "/" + info.Name;
                        entries.Add((info, relative, linkTarget, info is DirectoryInfo && linkTarget is null));
                    }
                }

                var excluded = exclusions.Excluded(entries.Select(e => (e.Relative, e.IsFolder)).ToList());
                foreach (var (info, relative, linkTarget, isFolder) in entries)
                {
                    if (excluded.Contains(relative))
                    {
                        continue;
                    }

                    if (isFolder)
                    {
                        folders.Push(((DirectoryInfo)info, relative));
                    }
                    else if (Describe(info, rootCatalogPath.Length == 0 ? relative : rootCatalogPath + "/" + relative, linkTarget) is { } entry)
                    {
                        yield return entry;
                    }
                }
            }
        }
    }

    /// <summary>The entries of one folder; a failure part-way ends that folder only.</summary>
    private IEnumerable<FileSystemInfo> List(DirectoryInfo folder)
    {
        IEnumerator<FileSystemInfo> entries;
        try
        {
            entries = folder.EnumerateFileSystemInfos("*", ListOneFolder).GetEnumerator();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            skipped(folder.FullName, Reason(ex));
            yield break;
        }

        using (entries)
        {
            while (true)
            {
                try
                {
                    if (!entries.MoveNext())
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                    skipped(folder.FullName, Reason(ex));
                    yield break;
                }

                yield return entries.Current;
            }
        }
    }

    /// <summary>The entry for a file or link, or null when it is skipped or vanished.</summary>
    private ScannedEntry? Describe(FileSystemInfo info, string catalogPath, string? linkTarget)
    {
        try
        {
            if (linkTarget is null && !info.Exists)
            {
                // Deleted between the listing and now: nothing to back up, nothing to report.
                return null;
            }

            var modifiedAt = new DateTimeOffset(info.LastWriteTimeUtc.Ticks, TimeSpan.Zero);
            if (linkTarget is not null)
            {
                return new ScannedEntry(catalogPath, info.FullName, EntryKind.Symlink, 0, modifiedAt, linkTarget);
            }

            var inode = UnixStat.Read(info.FullName);
            if (inode?.SpecialKind is { } special)
            {
                skipped(info.FullName, $"not a regular file ({special})");
                return null;
            }

            return new ScannedEntry(catalogPath, info.FullName, EntryKind.File, ((FileInfo)info).Length, modifiedAt, null,
                OperatingSystem.IsWindows() ? null : (int)info.UnixFileMode, inode?.Stamp);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            skipped(info.FullName, Reason(ex));
            return null;
        }
    }

    /// <summary>The target of a symbolic link (or junction), read only for entries the listing
    /// already flagged, to spare a system call per file. Other reparse points (cloud placeholders)
    /// have no target and count as ordinary entries.
    /// A link whose target cannot be read is skipped whole: guessing could mean following it.</summary>
    private bool TryReadLink(FileSystemInfo info, out string? target)
    {
        try
        {
            target = (info.Attributes & FileAttributes.ReparsePoint) != 0 ? info.LinkTarget : null;
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            skipped(info.FullName, Reason(ex));
            target = null;
            return false;
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "folder disappeared while it was read",
        _ => ex.Message,
    };
}
