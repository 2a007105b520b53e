using Backazon.Contracts;
using Backazon.Uploader.Scanning;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>The catalog of a folder, as the device's API lists it now, holds exactly the given
/// files with their sizes and hashes: nothing missing, nothing extra.</summary>
public static class CatalogAssert
{
    public static async Task ExactlyAsync(Uploader.Api.BackazonClient api, string root, IReadOnlyDictionary<string, byte[]> files)
    {
        var listed = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
        string? continuation = null;
        do
        {
            var page = await api.ListCatalogAsync(null, CatalogPath.FromLocal(root), null, false, true, continuation);
            foreach (var item in page.Items.Where(i => i.Kind == EntryKinds.File))
            {
                listed[item.Path] = item;
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);

        Assert.Equal(files.Keys.Select(CatalogPath.FromLocal).Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, bytes) in files)
        {
            var item = listed[CatalogPath.FromLocal(path)];
            Assert.Equal((bytes.Length, TestDevice.Identity(bytes)), (item.Size, item.Hash));
        }
    }

    /// <summary>The same, against the files on disk under <paramref name="root"/> now.</summary>
    public static Task MatchesDiskAsync(Uploader.Api.BackazonClient api, string root) =>
        ExactlyAsync(api, root, Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes, StringComparer.Ordinal));
}
