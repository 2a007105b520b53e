using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Restoring;

/// <summary>Where restored files go: under <see cref="TargetFolder"/>, or back where they came
/// from when it is null.</summary>
public sealed record RestoreOptions(string? TargetFolder, bool Overwrite, string? DeviceId, DateTimeOffset? At, int Parallelism = 4);

/// <summary>
/// Restores catalog paths: fetches manifests of signed links page by page, downloads in parallel
/// into a partial file beside the target (resumed if a previous run was interrupted), verifies
/// every byte against the cataloged hash, then renames into place and restores the modification
/// time. A different existing file is never overwritten without <c>Overwrite</c>.
/// </summary>
public sealed class RestoreRunner(BackazonClient api, IRestoreProgress progress, BlobClientOptions? blobOptions = null)
{
    public const string PartialSuffix = ".backazon-partial";

    public async Task<RestoreSummary> RunAsync(IReadOnlyList<string> catalogPaths, RestoreOptions options, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var results = new ConcurrentBag<RestoredFile>();
        long received = 0;
        string? continuation = null;
        do
        {
            var manifest = await api.RestoreManifestAsync(new RestoreRequest(catalogPaths, options.DeviceId, options.At, continuation, null), cancellationToken);
            progress.Planned(manifest.Items.Count, manifest.Items.Sum(i => i.Size));
            await Parallel.ForEachAsync(manifest.Items, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (item, ct) =>
            {
                var (outcome, detail) = await RestoreOneAsync(item, Destination(item.Path, catalogPaths, options.TargetFolder), options.Overwrite,
                    bytes => { Interlocked.Add(ref received, bytes); progress.Received(bytes); }, ct);
                results.Add(new RestoredFile(item.Path, outcome, detail));
                progress.Done(item.Path, outcome, detail);
            });
            continuation = manifest.Continuation;
        }
        while (continuation is not null);

        var summary = new RestoreSummary(results.OrderBy(r => r.Path, StringComparer.Ordinal).ToList(), received, clock.Elapsed);
        progress.Finished(summary);
        return summary;
    }

    /// <summary>The local path for a catalog path, or an exception saying why it is unsafe.</summary>
    private static Func<string> Destination(string path, IReadOnlyList<string> selections, string? targetFolder) => () =>
    {
        if (targetFolder is null)
        {
            // Back where it came from: the first segment is the root ("home", or a drive letter).
            var slash = path.IndexOf('/');
            if (slash < 0)
            {
                throw new UnsafePathException(path, "it has no folder to go back to; give --to");
            }

            var root = OperatingSystem.IsWindows() ? path[..slash] + ":\\" : "/" + path[..slash];
            return CatalogPath.ToLocal(path[(slash + 1)..], root);
        }

        // Under the target, keeping the selected folder's own name: "home/a/Docs" → TARGET/Docs/...
        var selection = selections.Where(s => CatalogPath.IsSameOrUnder(path, s.TrimEnd('/'))).MaxBy(s => s.Length) ?? "";
        var parent = selection.TrimEnd('/').LastIndexOf('/') is var i and >= 0 ? selection[..i] : "";
        return CatalogPath.ToLocal(parent.Length == 0 ? path : path[(parent.Length + 1)..], targetFolder);
    };

    private async Task<(RestoreOutcome, string?)> RestoreOneAsync(RestoreItem item, Func<string> destination, bool overwrite, Action<long> received, CancellationToken cancellationToken)
    {
        string local;
        try
        {
            local = destination();
        }
        catch (UnsafePathException e)
        {
            return (RestoreOutcome.Refused, e.Reason);
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            return item.Kind == EntryKinds.Symlink
                ? RestoreLink(item, local, overwrite)
                : await RestoreFileAsync(item, local, overwrite, received, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RequestFailedException)
        {
            return (RestoreOutcome.Failed, e is RequestFailedException r ? $"download refused ({r.Status} {r.ErrorCode})" : e.Message);
        }
    }

    private static (RestoreOutcome, string?) RestoreLink(RestoreItem item, string local, bool overwrite)
    {
        var existing = new FileInfo(local);
        var replaced = false;
        if (existing.Exists || existing.LinkTarget is not null)
        {
            if (existing.LinkTarget == item.LinkTarget)
            {
                return (RestoreOutcome.Identical, null);
            }

            if (!overwrite)
            {
                return (RestoreOutcome.Kept, "something else is there; add --overwrite to replace it");
            }

            existing.Delete();
            replaced = true;
        }

        File.CreateSymbolicLink(local, item.LinkTarget!);
        return replaced ? (RestoreOutcome.Replaced, $"replaced what was at {local}") : (RestoreOutcome.Restored, null);
    }

    private async Task<(RestoreOutcome, string?)> RestoreFileAsync(RestoreItem item, string local, bool overwrite, Action<long> received, CancellationToken cancellationToken)
    {
        var existing = new FileInfo(local);
        var replaced = false;
        if (existing.Exists)
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

        var partial = Path.Combine(Path.GetDirectoryName(local)!, "." + Path.GetFileName(local) + PartialSuffix);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        if (File.Exists(partial) && new FileInfo(partial).Length <= item.Size)
        {
            // Resume: what an interrupted run already wrote counts, once re-hashed.
            offset = await AppendHashAsync(partial, hash, cancellationToken);
        }

        await using (var output = new FileStream(partial, offset > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
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
                    hash.AppendData(buffer, 0, read);
                    offset += read;
                    received(read);
                }
            }
        }

        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (offset != item.Size || actual != item.Hash)
        {
            File.Delete(partial);
            return (RestoreOutcome.Failed, "the downloaded bytes did not match the cataloged hash; nothing was written");
        }

        File.Move(partial, local, overwrite: true);
        SetTime(local, item);
        return replaced ? (RestoreOutcome.Replaced, $"replaced the different file at {local}") : (RestoreOutcome.Restored, null);
    }

    private static void SetTime(string local, RestoreItem item)
    {
        if (item.ModifiedAt is { } modified)
        {
            File.SetLastWriteTimeUtc(local, modified.UtcDateTime);
        }
    }

    private static async Task<long> AppendHashAsync(string path, IncrementalHash hash, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return total;
    }
}
