using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Restoring;

/// <summary>Where restored files go: under <see cref="TargetFolder"/>, or back where they came
/// from when it is null.</summary>
public sealed record RestoreOptions(string? TargetFolder, bool Overwrite, string? DeviceId, DateTimeOffset? At, int Parallelism = 16);

/// <summary>
/// Restores catalog paths: fetches manifests of signed links page by page, a page or two ahead of
/// the downloads, and downloads them as one stream, several at once, into a partial file beside the target (resumed if a
/// previous run was interrupted), verifies every byte against the cataloged hash, then renames
/// into place and restores the modification time. A different existing file is never overwritten without <c>Overwrite</c>.
/// </summary>
/// <remarks>
/// Nothing is written through a link: the folders on the way are walked from a trusted root
/// (<see cref="RestoreFolders"/>), the final name is looked at without following it, and the
/// catalog's own links are made last, after every file, so that no file of this run can go
/// through one of them. The trusted root is the --to folder; without --to it is the folder
/// above what was selected ("restore /home/a/Docs" trusts /home/a, which may be a link such as
/// /home → /var/home, and checks Docs and everything below it).
/// </remarks>
public sealed class RestoreRunner(BackazonClient api, IRestoreProgress progress, BlobClientOptions? blobOptions = null)
{
    /// <summary>
    /// The partial file of <paramref name="fileName"/>, in the same folder: a fixed 29 bytes
    /// whatever the name, so it fits wherever the final name fits (a 255-byte name included),
    /// and the same on every run, so an interrupted download resumes.
    /// </summary>
    public static string PartialName(string fileName) =>
        ".bkz-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fileName)))[..16] + ".partial";

    public async Task<RestoreSummary> RunAsync(IReadOnlyList<string> catalogPaths, RestoreOptions options, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var results = new ConcurrentBag<RestoredFile>();
        var links = new List<RestoreItem>();
        var folderTimes = new List<RestoreItem>();
        var folders = new RestoreFolders();
        long received = 0;

        // One stream of downloads over all pages: a worker that finishes a file takes the next
        // one, from this page or the next, so a big file holds one worker and never a page.
        // Pages are fetched one ahead of the downloads (one waits in the channel while the next is
        // asked for), so their links are fresh when they are used.
        var pages = Channel.CreateBounded<IReadOnlyList<RestoreItem>>(1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fetching = FetchPagesAsync(pages.Writer, stop.Token);
        try
        {
            await Parallel.ForEachAsync(Files(pages.Reader, stop.Token), new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (item, ct) =>
            {
                var (outcome, detail) = await RestoreOneAsync(item, catalogPaths, options, folders,
                    bytes => { Interlocked.Add(ref received, bytes); progress.Received(bytes); }, ct);
                results.Add(new RestoredFile(item.Path, outcome, detail, item));
                progress.Done(item.Path, outcome, detail);
            });
        }
        finally
        {
            // A restore that stopped stops asking for pages; a page's failure reaches the loop above
            // through the channel, so the fetch itself never throws.
            await stop.CancelAsync();
            await fetching;
        }

        // Links last, parents before children: a link made here is never on the way of a file
        // of this run, and a link under another link is refused by the folder walk.
        foreach (var link in links.OrderBy(l => l.Path, StringComparer.Ordinal))
        {
            var (outcome, detail) = await RestoreOneAsync(link, catalogPaths, options, folders, _ => { }, cancellationToken);
            results.Add(new RestoredFile(link.Path, outcome, detail, link));
            progress.Done(link.Path, outcome, detail);
        }

        SetFolderTimes(folderTimes, catalogPaths, options.TargetFolder);
        var summary = new RestoreSummary(results.OrderBy(r => r.Path, StringComparer.Ordinal).ToList(), received, clock.Elapsed);
        progress.Finished(summary);
        return summary;

        async Task FetchPagesAsync(ChannelWriter<IReadOnlyList<RestoreItem>> writer, CancellationToken ct)
        {
            try
            {
                string? continuation = null;
                do
                {
                    var manifest = await api.RestoreManifestAsync(new RestoreRequest(catalogPaths, options.DeviceId, options.At, continuation, null), ct);
                    var files = manifest.Items.Where(i => i.Kind != EntryKinds.Folder).ToList();
                    progress.Planned(files.Count, files.Sum(i => i.Size));
                    links.AddRange(files.Where(i => i.Kind == EntryKinds.Symlink));
                    folderTimes.AddRange(manifest.Items.Where(i => i.Kind == EntryKinds.Folder && i.ModifiedAt is not null));
                    await writer.WriteAsync(files.Where(i => i.Kind != EntryKinds.Symlink).ToList(), ct);
                    continuation = manifest.Continuation;
                }
                while (continuation is not null);

                writer.Complete();
            }
            catch (Exception e)
            {
                writer.TryComplete(e);
            }
        }
    }

    /// <summary>The files of each page as it arrives; the failure of a page's fetch, if any, once
    /// the pages before it are taken.</summary>
    private static async IAsyncEnumerable<RestoreItem> Files(ChannelReader<IReadOnlyList<RestoreItem>> pages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in pages.ReadAllAsync(cancellationToken))
        {
            foreach (var item in page)
            {
                yield return item;
            }
        }
    }

    /// <summary>Folder times last, deepest first: writing a file or a subfolder changes its folder's
    /// time, so they are set once nothing more is written inside. A folder that is not there, or
    /// that is or lies under a link (the backup's links are made by now), is left alone: a time
    /// is never set through a link.</summary>
    private static void SetFolderTimes(List<RestoreItem> folderTimes, IReadOnlyList<string> selections, string? targetFolder)
    {
        foreach (var folder in folderTimes.OrderByDescending(f => f.Path.Count(c => c == '/')))
        {
            try
            {
                var (local, trustedRoot) = Destination(folder.Path, selections, targetFolder);
                if (NoLinkOnTheWay(trustedRoot, local))
                {
                    Directory.SetLastWriteTimeUtc(local, folder.ModifiedAt!.Value.UtcDateTime);
                }
            }
            catch (Exception e) when (e is UnsafePathException or IOException or UnauthorizedAccessException)
            {
                // A folder's time is worth having, never worth failing a restore for.
            }
        }
    }

    private static bool NoLinkOnTheWay(string trustedRoot, string local)
    {
        var relative = Path.GetRelativePath(trustedRoot, local);
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return false;
        }

        var current = trustedRoot;
        foreach (var part in relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var info = new DirectoryInfo(current);
            if (!info.Exists || info.LinkTarget is not null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The local path for a catalog path and the folder the walk to it starts from, or
    /// an exception saying why it is unsafe.</summary>
    private static (string Local, string TrustedRoot) Destination(string path, IReadOnlyList<string> selections, string? targetFolder)
    {
        var selection = selections.Select(s => s.TrimEnd('/')).Where(s => CatalogPath.IsSameOrUnder(path, s)).MaxBy(s => s.Length) ?? "";
        var parent = selection.LastIndexOf('/') is var i and >= 0 ? selection[..i] : "";
        if (targetFolder is null)
        {
            if (path.IndexOf('/') < 0)
            {
                throw new UnsafePathException(path, "it has no folder to go back to; give --to");
            }

            var local = InPlace(path);
            return (local, parent.Length == 0 ? Path.GetPathRoot(local)! : InPlace(parent));
        }

        // Under the target, keeping the selected folder's own name: "home/a/Docs" → TARGET/Docs/...
        return (CatalogPath.ToLocal(parent.Length == 0 ? path : path[(parent.Length + 1)..], targetFolder), targetFolder);
    }

    /// <summary>Back where it came from: the first segment is the root ("home", or a drive letter).</summary>
    private static string InPlace(string path)
    {
        var slash = path.IndexOf('/');
        var first = slash < 0 ? path : path[..slash];
        var root = OperatingSystem.IsWindows() ? first + ":\\" : "/" + first;
        return slash < 0 ? root : CatalogPath.ToLocal(path[(slash + 1)..], root);
    }

    private async Task<(RestoreOutcome, string?)> RestoreOneAsync(
        RestoreItem item, IReadOnlyList<string> selections, RestoreOptions options, RestoreFolders folders, Action<long> received, CancellationToken cancellationToken)
    {
        string local, trustedRoot;
        try
        {
            (local, trustedRoot) = Destination(item.Path, selections, options.TargetFolder);
        }
        catch (UnsafePathException e)
        {
            return (RestoreOutcome.Refused, e.Reason);
        }

        try
        {
            if (folders.PrepareParents(trustedRoot, local) is { } refused)
            {
                return refused;
            }

            return item.Kind == EntryKinds.Symlink
                ? RestoreLink(item, local, options.Overwrite, folders)
                : await RestoreFileAsync(item, local, options.Overwrite, received, cancellationToken);
        }
        catch (PathTooLongException)
        {
            // Kept by the catalog from a system with longer limits, or longer here under --to.
            return (RestoreOutcome.Failed, "the name or path is too long for this file system");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RequestFailedException)
        {
            return (RestoreOutcome.Failed, e is RequestFailedException r ? $"download refused ({r.Status} {r.ErrorCode})" : e.Message);
        }
    }

    private static (RestoreOutcome, string?) RestoreLink(RestoreItem item, string local, bool overwrite, RestoreFolders folders)
    {
        // Looked at as an entry (lstat): a link's own target, never what it points to.
        var existing = new FileInfo(local);
        var replaced = false;
        if (existing.LinkTarget is { } target)
        {
            if (target == item.LinkTarget)
            {
                return (RestoreOutcome.Identical, null);
            }

            if (!overwrite)
            {
                return (RestoreOutcome.Kept, "a different link is there; add --overwrite to replace it");
            }

            existing.Delete(); // the link itself, not what it points to
            replaced = true;
        }
        else if (Directory.Exists(local))
        {
            // A link never replaces a folder, even with --overwrite: what is inside would be lost
            // or, if this run restored files there, the catalog names files under its own link.
            return folders.Made(local)
                ? (RestoreOutcome.Refused, "the catalog also holds files under this link; they were restored into a real folder, and the link was not made")
                : (RestoreOutcome.Kept, "a folder is there; a link never replaces a folder");
        }
        else if (existing.Exists)
        {
            if (!overwrite)
            {
                return (RestoreOutcome.Kept, "something else is there; add --overwrite to replace it");
            }

            existing.Delete();
            replaced = true;
        }

        File.CreateSymbolicLink(local, item.LinkTarget!);
        if (item.ModifiedAt is { } modified)
        {
            LinkTimes.Set(local, modified);
        }

        return replaced ? (RestoreOutcome.Replaced, $"replaced what was at {local}") : (RestoreOutcome.Restored, null);
    }

    private async Task<(RestoreOutcome, string?)> RestoreFileAsync(RestoreItem item, string local, bool overwrite, Action<long> received, CancellationToken cancellationToken)
    {
        // Looked at as an entry (lstat), so a link at the final name is seen as a link: hashing or
        // touching it would read or write whatever it points to.
        var existing = new FileInfo(local);
        var replaced = false;
        var linkInTheWay = existing.LinkTarget is not null;
        if (linkInTheWay)
        {
            if (!overwrite)
            {
                return (RestoreOutcome.Kept, "a symbolic link is there; add --overwrite to replace the link (what it points to is left alone)");
            }

            replaced = true;
        }
        else if (Directory.Exists(local))
        {
            return (RestoreOutcome.Kept, "a folder is there");
        }
        else if (existing.Exists)
        {
            if (existing.Length == item.Size && (await Planning.ContentHasher.HashAsync(local, null, cancellationToken)).Hash == item.Hash)
            {
                SetTime(local, item);
                return (RestoreOutcome.Identical, null);
            }

            if (!overwrite)
            {
                return (RestoreOutcome.Kept, "a different file is there; add --overwrite to replace it");
            }

            replaced = true;
        }

        var partial = Path.Join(Path.GetDirectoryName(local)!, PartialName(Path.GetFileName(local)));
        using var hash = Planning.ContentIdentity.For(item.Size);
        long offset = 0;
        var left = new FileInfo(partial);
        if (left.LinkTarget is null && left.Exists && left.Length <= item.Size)
        {
            // Resume: what an interrupted run already wrote counts, once re-hashed.
            offset = await AppendHashAsync(partial, hash, cancellationToken);
        }
        else
        {
            // Whatever is there (too long, or a link someone left) goes: a link is removed, not
            // followed, and CreateNew below never opens an existing entry.
            File.Delete(partial);
        }

        await using (var output = new FileStream(partial, offset > 0 ? FileMode.Append : FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            if (offset < item.Size)
            {
                var blob = new BlobClient(new Uri(item.DownloadUrl!), blobOptions);
                var download = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset) }, cancellationToken);
                await using var input = download.Value.Content;
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    hash.Append(buffer.AsSpan(0, read));
                    offset += read;
                    received(read);
                }
            }
        }

        var actual = hash.Finish().Hash;
        if (offset != item.Size || actual != item.Hash)
        {
            File.Delete(partial);
            return (RestoreOutcome.Failed, "the downloaded bytes did not match the cataloged hash; nothing was written");
        }

        if (linkInTheWay)
        {
            // The link itself goes; the file is then moved without replacing anything, so it is
            // never renamed over a link (or over whatever appeared there meanwhile).
            File.Delete(local);
        }

        try
        {
            File.Move(partial, local, overwrite: replaced && !linkInTheWay);
        }
        catch (IOException)
        {
            // The final name cannot be made (too long, or taken meanwhile): no verified partial
            // file is left behind to puzzle over.
            File.Delete(partial);
            throw;
        }

        SetTime(local, item);
        return replaced ? (RestoreOutcome.Replaced, $"replaced the different {(linkInTheWay ? "link" : "file")} at {local}") : (RestoreOutcome.Restored, null);
    }

    private static void SetTime(string local, RestoreItem item)
    {
        if (item.Mode is { } mode && !OperatingSystem.IsWindows())
        {
            // Before the time: changing the mode does not touch the modification time, but keep
            // the order that would be right if it did.
            File.SetUnixFileMode(local, (UnixFileMode)mode);
        }

        if (item.ModifiedAt is { } modified)
        {
            File.SetLastWriteTimeUtc(local, modified.UtcDateTime);
        }
    }

    private static async Task<long> AppendHashAsync(string path, Planning.ContentIdentity hash, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.Append(buffer.AsSpan(0, read));
            total += read;
        }

        return total;
    }
}
