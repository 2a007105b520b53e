using System.Collections.Concurrent;

namespace Backazon.Uploader.Restoring;

/// <summary>
/// The folders a restore writes into, walked from a trusted root down without following links.
/// A catalog can name a link "a/l" and, later, a file "a/l/x"; checking paths as text would then
/// write wherever the link points. So every folder on the way must be a real folder — one that
/// was there or that this run made — and never a symbolic link, junction or other reparse point.
/// Each folder is looked at once per run: links are only made after every file (see
/// <see cref="RestoreRunner"/>), so a folder seen real stays real for the rest of the run.
/// </summary>
/// <remarks>
/// This guards against a hostile catalog, not against another local process racing the restore
/// (that would need openat-style handles, which .NET does not expose): a folder is made, then
/// looked at again, which leaves only a small window for such a process.
/// </remarks>
internal sealed class RestoreFolders
{
    private readonly ConcurrentDictionary<string, bool> _real = new(StringComparer.Ordinal);

    /// <summary>Makes the folders between <paramref name="trustedRoot"/> and the parent of
    /// <paramref name="local"/>; returns why not (and writes nothing more) when one of them is a
    /// link or a file.</summary>
    public (RestoreOutcome Outcome, string Reason)? PrepareParents(string trustedRoot, string local)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(trustedRoot));
        var parent = Path.GetDirectoryName(local)!;
        if (!parent.StartsWith(root, StringComparison.Ordinal))
        {
            // The callers build local under the root; this is a bug, not bad input.
            throw new InvalidOperationException($"'{local}' is not under '{trustedRoot}'.");
        }

        // The root is the user's own choice (--to, or the folders above what they selected):
        // it may be a link, and it is made if it is missing.
        Directory.CreateDirectory(root);
        var current = root;
        foreach (var name in parent[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Join(current, name);
            if (_real.ContainsKey(current))
            {
                continue;
            }

            if (Problem(current) is { } problem)
            {
                return problem;
            }

            if (!Directory.Exists(current))
            {
                Directory.CreateDirectory(current);
                if (Problem(current) is { } appeared)
                {
                    return appeared;
                }

                _real[current] = true;
                continue;
            }

            _real.TryAdd(current, false);
        }

        return null;
    }

    /// <summary>True when this run made the folder (rather than finding it there).</summary>
    public bool Made(string folder) => _real.TryGetValue(folder, out var made) && made;

    /// <summary>Why a folder on the way cannot be entered, looking at the entry itself (lstat),
    /// never at what a link points to.</summary>
    private static (RestoreOutcome, string)? Problem(string folder)
    {
        var entry = new DirectoryInfo(folder);
        if (entry.LinkTarget is { } target)
        {
            return (RestoreOutcome.Refused, $"{folder} is a symbolic link (to {target}); a restore never writes through a link");
        }

        if (!entry.Exists)
        {
            return File.Exists(folder) ? (RestoreOutcome.Kept, $"a file is in the way at {folder}") : null;
        }

        // Junctions and symlinks have a LinkTarget; any other reparse point is refused too rather
        // than guessed about (on Unix, links are the only entries .NET marks as reparse points).
        return entry.Attributes.HasFlag(FileAttributes.ReparsePoint)
            ? (RestoreOutcome.Refused, $"{folder} is a reparse point; a restore never writes through one")
            : null;
    }
}
