using System.Buffers.Text;
using System.Text;
using Backazon.Backend.Restores;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Api;
using Backazon.Uploader.Restoring;
using Microsoft.Extensions.DependencyInjection;
using Entry = (string Path, string Kind, string? Hash, bool Deleted);

namespace Backazon.IntegrationTests.Restores;

/// <summary>
/// Listings and restore manifests come in pages of a walk (here of 7 items, so a small tree
/// takes many), and the pages together hold exactly the catalog as of the first page's moment:
/// every item once, whatever is committed between two pages.
/// </summary>
public sealed class RestorePagingTests : IClassFixture<BackendFixture>
{
    private const int PageSize = 7;
    private const string NotOurs = "The continuation token is not one this service gave out.";
    private readonly BackendFixture _backend;

    public RestorePagingTests(BackendFixture backend)
    {
        // A backend of this class's own, so its small pages change nothing elsewhere.
        _backend = backend;
        backend.App.Services.GetRequiredService<RestoreService>().PageSize = PageSize;
    }

    [Fact]
    public async Task LsRecursive_PagedWhileVersionsAreCommitted_YieldsTheTreeAtTheFirstPagesMoment_EachItemOnce()
    {
        using var device = await TestDevice.CreateAsync(_backend);
        var committed = await Committed.TreeAsync(device);
        var expected = committed.Files("t", recursive: true, includeDeleted: true);

        var listed = await ListPagesAsync(device, "t", deleted: true, recursive: true,
            first => committed.ChangeAsync(device, expected.Select(e => e.Path), first.Select(i => i.Path)));

        Assert.Equal(expected, Describe(listed));
    }

    [Fact]
    public async Task LsFolder_OfMoreThanAPage_PagedWhileVersionsAreCommitted_YieldsItsFilesThenItsSubfolders_EachOnce()
    {
        using var device = await TestDevice.CreateAsync(_backend);
        var committed = await Committed.TreeAsync(device);
        var expected = committed.Files("t/big", recursive: false, includeDeleted: false).Concat(committed.Folders("t/big", recursive: false)).Order().ToList();

        var listed = await ListPagesAsync(device, "t/big", deleted: false, recursive: false,
            first => committed.ChangeAsync(device, expected.Select(e => e.Path), first.Select(i => i.Path)));

        Assert.Equal(expected, Describe(listed));
        Assert.Equal(CatalogItemKinds.Folder, listed[^1].Kind); // a folder's files first, then its subfolders
    }

    [Fact]
    public async Task LsFolder_OfManyHiddenDeletedFiles_StopsShortAtItsShareOfReads_AndGoesOnToTheEnd()
    {
        using var device = await TestDevice.CreateAsync(_backend);
        var gone = Enumerable.Range(0, 30).Select(i => ($"h/gone-{i:D2}.txt", Encoding.UTF8.GetBytes($"gone {i}"))).ToArray();
        await device.BackupAsync([.. gone, ("h/zz-kept.txt", Encoding.UTF8.GetBytes("kept"))]);
        await device.CommitAndWaitAsync([.. gone.Select(g => new FileChange(g.Item1, EntryKinds.Deleted, 0, null, null, null))]);

        var pages = new List<CatalogPage>();
        string? continuation = null;
        do
        {
            pages.Add(await device.Api.ListCatalogAsync(null, "h", null, false, false, continuation));
            continuation = pages[^1].Continuation;
        }
        while (continuation is not null);

        // 60 rows to pass over: a page reads its share (here 28 reads), not the whole folder.
        Assert.Contains(pages, p => p.Items.Count == 0 && p.Continuation is not null);
        Assert.Equal("h/zz-kept.txt", Assert.Single(pages.SelectMany(p => p.Items)).Path);
    }

    [Fact]
    public async Task Manifest_OfRepeatedAndNestedPaths_PagedWhileVersionsAreCommitted_YieldsEachFolderAndFileOnce()
    {
        using var device = await TestDevice.CreateAsync(_backend);
        var committed = await Committed.TreeAsync(device);
        List<Entry> expected =
        [
            .. committed.Files("t", recursive: true, includeDeleted: false),
            .. committed.Folders("t", recursive: true),
            ("t", CatalogItemKinds.Folder, null, false),
            ("u/solo.txt", EntryKinds.File, committed.Hash("u/solo.txt"), false),
        ];
        string[] paths = ["u/solo.txt", "t/a", "t", "t/top.txt", "t/"];

        var manifest = await AllPagesAsync(
            async continuation =>
            {
                var page = await device.Api.RestoreManifestAsync(new RestoreRequest(paths, null, null, continuation, null));
                return (page.Items, page.Continuation);
            },
            first => committed.ChangeAsync(device, expected.Select(e => e.Path), first.Select(i => i.Path)));

        Assert.Equal(expected.Order(), manifest.Select(i => (i.Path, i.Kind, i.Hash, false)).Order());
        Assert.Equal(manifest.Count(i => i.Kind == EntryKinds.File), manifest.Count(i => i.DownloadUrl is not null));
        // The selected paths in ordinal order, each folder's own item before what it holds.
        Assert.Equal(["t", "u/solo.txt"], manifest.Where(i => i.Path is "t" or "u/solo.txt").Select(i => i.Path));
        var order = manifest.Select((item, i) => (item.Path, i)).ToDictionary();
        Assert.All(manifest.Where(i => i.Path.StartsWith("t/", StringComparison.Ordinal)), i => Assert.True(order[i.Path[..i.Path.LastIndexOf('/')]] < order[i.Path], i.Path));
    }

    [Fact]
    public async Task Restore_OfAManifestOfManyPages_RestoresEveryFileInForce_FetchingOnePageAtATime()
    {
        using var device = await TestDevice.CreateAsync(_backend);
        var committed = await Committed.TreeAsync(device);
        var expected = committed.Files("t", recursive: true, includeDeleted: false);
        var target = Directory.CreateTempSubdirectory("backazon-paging-").FullName;
        var manifests = new ManifestRequests { InnerHandler = new SocketsHttpHandler() };
        using var api = new BackazonClient(_backend.BaseAddress, device.Token, retry: false, handler: manifests);
        try
        {
            var plan = new PlanRecorder(() => manifests.Sent);
            var summary = await new RestoreRunner(api, plan).RunAsync(["t"], new RestoreOptions(target, Overwrite: false, null, null));

            Assert.True(summary.Complete);
            Assert.True(plan.Pages > 2, $"{plan.Pages} pages");
            Assert.Equal(expected.Count, plan.Files); // planned page by page, adding up to the whole
            Assert.Equal(expected.Count, summary.Files.Count);
            Assert.All(expected, file => Assert.Equal(file.Hash, TestDevice.Sha256(File.ReadAllBytes(Path.Combine(target, file.Path)))));
            // Pages are asked for one at a time while files download, never several at once.
            Assert.Equal(1, plan.MostAhead);
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    [Fact]
    public async Task Continuation_TamperedOrLeadingOutsideItsSelection_Is400_AndAnotherAccountsTokenReadsOnlyItsOwn()
    {
        using var device = await TestDevice.CreateAsync(_backend);
        await Committed.TreeAsync(device);
        var token = (await device.Api.ListCatalogAsync(null, "t", null, false, true, null)).Continuation!;
        var moment = DateTimeOffset.UtcNow.ToString("O");
        string Forged(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.Replace("MOMENT", moment)));
        string[] bad =
        [
            "!" + token[1..],
            token[..(token.Length / 2)],
            Forged("""{"s":0,"t":"MOMENT","f":"../u","p":"files","a":"f|"}"""),
            Forged("""{"s":0,"t":"MOMENT","f":"/u","p":"files","a":"f|"}"""),
            Forged("""{"s":1,"t":"MOMENT","f":"","p":"files","a":"f|"}"""),
            Forged("""{"s":0,"t":"MOMENT","f":"","p":"files","a":"d|a"}"""),
            Forged("""{"s":0,"t":"MOMENT","f":"","p":0,"a":"f|"}"""),
            Forged("""{"t":"MOMENT","f":"","p":"files","a":"f|"}"""),
        ];

        foreach (var continuation in bad)
        {
            var listing = await Assert.ThrowsAsync<BackazonApiException>(() => device.Api.ListCatalogAsync(null, "t", null, false, true, continuation));
            Assert.Equal((400, NotOurs), (listing.Status, listing.Message));
            var manifest = await Assert.ThrowsAsync<BackazonApiException>(() => device.Api.RestoreManifestAsync(new RestoreRequest(["t"], null, null, continuation, null)));
            Assert.Equal((400, NotOurs), (manifest.Status, manifest.Message));
        }

        // A one-folder listing stays in its folder.
        var deeper = await Assert.ThrowsAsync<BackazonApiException>(() => device.Api.ListCatalogAsync(null, "t", null, false, false,
            Forged("""{"s":0,"t":"MOMENT","f":"a","p":"files","a":"f|"}""")));
        Assert.Equal((400, NotOurs), (deeper.Status, deeper.Message));

        // The token names no account or device: in another account's hands it walks that account's own catalog.
        using var stranger = await TestDevice.CreateAsync(_backend);
        Assert.Empty((await stranger.Api.ListCatalogAsync(null, "t", null, false, true, token)).Items);
    }

    private static Task<List<CatalogItem>> ListPagesAsync(TestDevice device, string path, bool deleted, bool recursive, Func<IReadOnlyList<CatalogItem>, Task> afterFirst) =>
        AllPagesAsync(
            async continuation =>
            {
                var page = await device.Api.ListCatalogAsync(null, path, null, deleted, recursive, continuation);
                return (page.Items, page.Continuation);
            },
            afterFirst);

    /// <summary>Every page, from the first, each within the page size; <paramref name="afterFirst"/>
    /// runs between the first page and the second.</summary>
    private static async Task<List<T>> AllPagesAsync<T>(Func<string?, Task<(IReadOnlyList<T> Items, string? Continuation)>> page, Func<IReadOnlyList<T>, Task> afterFirst)
    {
        var all = new List<T>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var (items, next) = await page(continuation);
            Assert.InRange(items.Count, 0, PageSize);
            all.AddRange(items);
            if (pages++ == 0)
            {
                await afterFirst(items);
            }

            continuation = next;
        }
        while (continuation is not null);

        Assert.True(pages > 2, $"{all.Count} items in {pages} pages: the test wants several");
        return all;
    }

    /// <summary>What a restore planned (a call a manifest page), and how many manifest pages it
    /// had asked for beyond the one it was at, at most, while it worked on that one.</summary>
    private sealed class PlanRecorder(Func<int> manifestsSent) : IRestoreProgress
    {
        private readonly Lock _lock = new();

        public int Pages { get; private set; }
        public int Files { get; private set; }
        public int MostAhead { get; private set; }

        public void Planned(int files, long bytes)
        {
            Pages++;
            Files += files;
        }

        public void Received(long bytes)
        {
        }

        // A page's files are done after its Planned and before the next page's (several at once).
        public void Done(string path, RestoreOutcome outcome, string? detail)
        {
            lock (_lock)
            {
                MostAhead = Math.Max(MostAhead, manifestsSent() - Pages);
            }
        }

        public void Finished(RestoreSummary summary)
        {
        }
    }

    private sealed class ManifestRequests : DelegatingHandler
    {
        private int _sent;

        public int Sent => Volatile.Read(ref _sent);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/restores", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _sent);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    private static List<Entry> Describe(IEnumerable<CatalogItem> items) =>
        items.Select(i => (i.Path, i.Kind, i.Hash, i.DeletedAt is not null)).Order().ToList();

    /// <summary>What a test committed, path by path, oldest first: the content, or null for a deletion.</summary>
    private sealed class Committed
    {
        private readonly Dictionary<string, List<byte[]?>> _versions = new(StringComparer.Ordinal);

        /// <summary>Nested folders, a folder of more than a page, files of several versions, files
        /// deleted (one since brought back), a folder whose only file is deleted, and a file
        /// outside the tree.</summary>
        public static async Task<Committed> TreeAsync(TestDevice device)
        {
            var committed = new Committed();
            string[] big = [.. Enumerable.Range(0, 20).Select(i => $"t/big/f{i:D2}.txt")];
            await committed.BackupAsync(device, [.. big, "t/big/sub/s.txt", "t/top.txt", "t/a/x.txt", "t/a/gone.txt", "t/a/b/y.txt", "t/a/b/c/z.txt",
                "t/a/b/c/d/deep.txt", "t/e/only.txt", "t/g/h/i.txt", "u/solo.txt"]);
            await committed.BackupAsync(device, "t/top.txt", "t/big/f03.txt", "t/big/f11.txt", "t/a/b/y.txt");
            await committed.DeleteAsync(device, "t/a/gone.txt", "t/e/only.txt", "t/big/f07.txt", "t/big/f15.txt");
            await committed.BackupAsync(device, "t/big/f11.txt", "t/big/f07.txt");
            return committed;
        }

        /// <summary>Between two pages of a listing of <paramref name="expected"/>: a new version
        /// of a file already listed and of one not yet listed, a deletion of another not yet
        /// listed, a new file and a new folder in the folder of more than a page.</summary>
        public async Task ChangeAsync(TestDevice device, IEnumerable<string> expected, IEnumerable<string> listed)
        {
            var seen = listed.ToHashSet(StringComparer.Ordinal);
            var files = expected.Where(p => _versions.TryGetValue(p, out var v) && v[^1] is not null).ToList();
            var ahead = files.Where(f => !seen.Contains(f)).ToList();
            await BackupAsync(device, [files.First(seen.Contains), ahead[0], "t/big/new.txt", "t/big/new-sub/n.txt"]);
            await DeleteAsync(device, ahead[^1]);
        }

        public string Hash(string path) => TestDevice.Sha256(_versions[path].Last(v => v is not null)!);

        /// <summary>Files in force in (or below) a folder; deleted ones as their last content.</summary>
        public List<Entry> Files(string folder, bool recursive, bool includeDeleted) =>
            _versions.Where(v => In(v.Key, folder, recursive) && (includeDeleted || v.Value[^1] is not null))
                .Select(v => (v.Key, EntryKinds.File, (string?)Hash(v.Key), v.Value[^1] is null)).Order().ToList();

        /// <summary>Every folder a file was ever backed up in, in (or below) a folder.</summary>
        public List<Entry> Folders(string folder, bool recursive) =>
            _versions.Keys.SelectMany(Ancestors).Distinct().Where(f => In(f, folder, recursive))
                .Select(f => (f, CatalogItemKinds.Folder, (string?)null, false)).Order().ToList();

        private static bool In(string path, string folder, bool recursive) =>
            path.StartsWith(folder + "/", StringComparison.Ordinal) && (recursive || !path[(folder.Length + 1)..].Contains('/'));

        private static IEnumerable<string> Ancestors(string path)
        {
            for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                yield return path[..slash];
            }
        }

        private async Task BackupAsync(TestDevice device, params string[] paths)
        {
            var files = paths.Select(p => (p, Encoding.UTF8.GetBytes($"{p}, version {(_versions.TryGetValue(p, out var v) ? v.Count : 0) + 1}"))).ToArray();
            await device.BackupAsync(files);
            foreach (var (path, bytes) in files)
            {
                (_versions.TryGetValue(path, out var list) ? list : _versions[path] = []).Add(bytes);
            }
        }

        private async Task DeleteAsync(TestDevice device, params string[] paths)
        {
            await device.CommitAndWaitAsync([.. paths.Select(p => new FileChange(p, EntryKinds.Deleted, 0, null, null, null))]);
            foreach (var path in paths)
            {
                _versions[path].Add(null);
            }
        }
    }
}
