using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Customers;

/// <summary>
/// The uploader builds published in the data account's uploader container ("{rid}/backazon",
/// "backazon.exe" on Windows: what uploader/publish.sh makes), each offered through a read link
/// for that one blob. None published: an empty list, which the page explains.
/// </summary>
public sealed class UploaderBuilds(StorageClients storage, SasIssuer sas)
{
    private static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(1);

    private static readonly Dictionary<string, string> Systems = new(StringComparer.Ordinal)
    {
        ["linux-x64"] = "Linux (x64)",
        ["linux-arm64"] = "Linux (ARM64)",
        ["osx-arm64"] = "macOS (Apple silicon)",
        ["osx-x64"] = "macOS (Intel)",
        ["win-x64"] = "Windows (x64)",
    };

    public async Task<IReadOnlyList<UploaderBuildView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var container = storage.Blobs.GetBlobContainerClient(StorageNames.UploaderContainer);
        var builds = new List<UploaderBuildView>();
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var (runtime, fileName) = (Path.GetDirectoryName(blob.Name) ?? "", Path.GetFileName(blob.Name));
            if (!Systems.TryGetValue(runtime, out var system) || fileName != (runtime.StartsWith("win-", StringComparison.Ordinal) ? "backazon.exe" : "backazon"))
            {
                continue;
            }

            var link = await sas.DownloadUrlAsync(container.GetBlobClient(blob.Name), fileName, LinkLifetime, cancellationToken);
            builds.Add(new UploaderBuildView(runtime, system, fileName, blob.Properties.ContentLength ?? 0, link.Url.ToString(), link.ExpiresAt));
        }

        return [.. builds.OrderBy(b => b.Runtime, StringComparer.Ordinal)];
    }
}
