using Backazon.Uploader.Index;
using Backazon.Uploader.Planning;
using Backazon.Uploader.Scanning;

namespace Backazon.UnitTests.Uploader;

public sealed class ChangePlannerTests : IDisposable
{
    private readonly TempTree _tree = new();
    private readonly TempTree _state = new();
    private readonly LocalIndex _index;
    private readonly ChangePlanner _planner;
    private readonly List<string> _skipped = [];

    public ChangePlannerTests()
    {
        _index = new LocalIndex(_state.PathOf("index.db"));
        _planner = new ChangePlanner(_index);
        _tree.File("docs/a.txt", "a");
        _tree.File("docs/b.txt", "bb");
        _tree.File("docs/empty");
        _tree.File("photos/caf\u00e9.jpg", "nfc");
        _tree.File("photos/cafe\u0301.jpg", "nfd");
        File.CreateSymbolicLink(_tree.PathOf("latest"), "docs/a.txt");
    }

    public void Dispose()
    {
        _index.Dispose();
        _tree.Dispose();
        _state.Dispose();
    }

    [Fact]
    public void Plan_EmptyIndex_EverythingIsNew()
    {
        var plan = Plan();

        Assert.Equal(6, plan.New.Count);
        Assert.Equal((0, 0, 0), (plan.Unchanged, plan.Changed.Count, plan.Deleted.Count));
    }

    [Fact]
    public void Plan_UnchangedTree_NothingToHashOrSend()
    {
        Record(Plan());

        var plan = Plan();

        Assert.Equal(6, plan.Unchanged);
        Assert.True(plan.IsEmpty);
        Assert.Empty(plan.ToSend);
    }

    [Fact]
    public void Plan_TouchedFile_IsChanged()
    {
        Record(Plan());
        var touched = _tree.PathOf("docs/a.txt");
        File.SetLastWriteTimeUtc(touched, File.GetLastWriteTimeUtc(touched).AddTicks(1));

        var plan = Plan();

        var change = Assert.Single(plan.Changed);
        Assert.Equal(touched, change.Current.LocalPath);
        Assert.Equal(IndexState.Committed, change.Previous.State);
        Assert.Equal(5, plan.Unchanged);
    }

    [Fact]
    public void Plan_FileWhoseChangeTimeOrInodeMoved_IsChanged_EvenWithItsSizeAndTimeKept()
    {
        var rewritten = _tree.PathOf("docs/a.txt");
        var replaced = _tree.PathOf("docs/b.txt");
        Record(Plan(), entry => entry.LocalPath == rewritten ? entry.Stamp! with { ChangedAtNanoseconds = entry.Stamp.ChangedAtNanoseconds - 1 }
            : entry.LocalPath == replaced ? entry.Stamp! with { Inode = entry.Stamp.Inode + 1 }
            : entry.Stamp);

        var plan = Plan();

        Assert.Equal([rewritten, replaced], plan.Changed.Select(c => c.Current.LocalPath).Order());
        Assert.Equal(4, plan.Unchanged);
    }

    [Fact]
    public void Plan_RowsKeptBeforeStamps_StayUnchanged_AndTakeTheScansStamp()
    {
        Record(Plan(), _ => null);

        var plan = Plan();

        Assert.Equal(6, plan.Unchanged);
        var row = _index.Find(Catalog("docs/a.txt"))!;
        Assert.NotNull(row.Stamp);
        Assert.Equal(UnixStat.StampOf(_tree.PathOf("docs/a.txt")), row.Stamp);
    }

    [Fact]
    public void Plan_RemovedFile_IsDeleted()
    {
        Record(Plan());
        File.Delete(_tree.PathOf("photos/cafe\u0301.jpg"));

        var plan = Plan();

        Assert.Equal([Catalog("photos/cafe\u0301.jpg")], plan.Deleted);
        Assert.Empty(plan.ToSend);
    }

    [Fact]
    public void Plan_RenamedFolder_NewAndDeleted()
    {
        Record(Plan());
        Directory.Move(_tree.PathOf("docs"), _tree.PathOf("documents"));

        var plan = Plan();

        Assert.Equal(
            [Catalog("documents/a.txt"), Catalog("documents/b.txt"), Catalog("documents/empty")],
            plan.New.Select(entry => entry.CatalogPath).Order(StringComparer.Ordinal));
        Assert.Equal(
            [Catalog("docs/a.txt"), Catalog("docs/b.txt"), Catalog("docs/empty")],
            plan.Deleted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Plan_RetargetedSymlink_IsChanged()
    {
        Record(Plan());
        File.Delete(_tree.PathOf("latest"));
        File.CreateSymbolicLink(_tree.PathOf("latest"), "docs/b.txt");

        var change = Assert.Single(Plan().Changed);

        Assert.Equal("docs/b.txt", change.Current.LinkTarget);
        Assert.Equal("docs/a.txt", change.Previous.LinkTarget);
    }

    [Fact]
    public void Plan_UnconfirmedOrDirtyRows_AreSentAgain()
    {
        Record(Plan());
        _index.MarkPending([Catalog("docs/a.txt")], "c1");
        _index.Upsert([_index.Find(Catalog("docs/b.txt"))! with { State = IndexState.Dirty }]);

        var plan = Plan();

        Assert.Equal(
            [Catalog("docs/a.txt"), Catalog("docs/b.txt")],
            plan.Changed.Select(change => change.Current.CatalogPath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Plan_UnreadableSubfolder_ItsRowsAreNotDeleted()
    {
        Record(Plan());
        Directory.Delete(_tree.PathOf("photos"), recursive: true);
        _skipped.Add(Catalog("photos"));

        var plan = Plan();

        Assert.Empty(plan.Deleted);
    }

    [Fact]
    public void Plan_MissingRoot_DeletesNothing()
    {
        Record(Plan());
        Directory.Delete(_tree.Root, recursive: true);

        var plan = Plan();

        Assert.Empty(plan.Deleted);
        Assert.Equal([Catalog("")], _skipped);
    }

    [Fact]
    public void Plan_OtherRootsRows_AreNotDeleted()
    {
        _index.Upsert([new IndexedFile(Catalog("") + "-sibling/x", EntryKind.File, 1, DateTimeOffset.UnixEpoch, null, null, IndexState.Committed)]);

        Assert.Empty(Plan().Deleted);
    }

    [Fact]
    public void Plan_RowsPendingInACommitTheBackendIsStillCataloging_AreLeftToIt()
    {
        Record(Plan());
        var a = _index.Find(Catalog("docs/a.txt"))!;
        var b = _index.Find(Catalog("docs/b.txt"))!;
        _index.Upsert([a with { State = IndexState.Pending, CommitId = "open" }, b with { State = IndexState.Pending, CommitId = "lost" }]);
        _index.Upsert([IndexedFile.Deletion(Catalog("gone.txt")) with { State = IndexState.Pending, CommitId = "open" }]);

        var plan = Plan(openCommits: new HashSet<string> { "open" });

        Assert.Equal([Catalog("docs/b.txt")], plan.Changed.Select(c => c.Current.CatalogPath));
        Assert.Empty(plan.Deleted);
        Assert.Equal(5, plan.Unchanged);
    }

    [Fact]
    public void Plan_RowsNoCommitOfWhichWasConfirmed_AreNew_AndForgottenNotDeletedOnceGone()
    {
        // A first run hashed everything, sent some, and was killed before any commit was confirmed.
        var first = Plan();
        _index.Upsert(first.New.Select(entry => new IndexedFile(
            entry.CatalogPath, entry.Kind, entry.Size, entry.ModifiedAt, entry.Kind == EntryKind.File ? "hash" : null, entry.LinkTarget, IndexState.Dirty, Stamp: entry.Stamp)));
        _index.MarkPending([Catalog("docs/a.txt")], "lost");
        File.Delete(_tree.PathOf("docs/b.txt"));

        var plan = Plan();

        Assert.Equal(5, plan.New.Count);
        Assert.Equal((0, 0), (plan.Changed.Count, plan.Deleted.Count));
        Assert.Null(_index.Find(Catalog("docs/b.txt")));
    }

    /// <summary>The streamed plan of one scan, gathered for assertions.</summary>
    private BackupPlan Plan(IReadOnlySet<string>? openCommits = null)
    {
        var scanner = new TreeScanner(new ExclusionRules(), (path, _) => _skipped.Add(CatalogPath.FromLocal(path)));
        var counts = new PlanCounts();
        _index.BeginScan();
        var changes = _planner.Plan(Catalog(""), scanner.Scan(_tree.Root), _skipped, counts, openCommits).ToList();
        var plan = new BackupPlan(
            counts.Unchanged,
            changes.Where(c => c.Kind == ChangeKind.New).Select(c => c.Entry!).ToList(),
            changes.Where(c => c.Kind == ChangeKind.Changed).Select(c => new ChangedEntry(c.Entry!, c.Previous!)).ToList(),
            changes.Where(c => c.Kind == ChangeKind.Deleted).Select(c => c.CatalogPath).ToList());
        Assert.Equal((counts.New, counts.Changed, counts.Deleted), (plan.New.Count, plan.Changed.Count, plan.Deleted.Count));
        return plan;
    }

    private sealed record ChangedEntry(ScannedEntry Current, IndexedFile Previous);

    private sealed record BackupPlan(int Unchanged, List<ScannedEntry> New, List<ChangedEntry> Changed, List<string> Deleted)
    {
        public IEnumerable<ScannedEntry> ToSend => New.Concat(Changed.Select(change => change.Current));

        public bool IsEmpty => New.Count == 0 && Changed.Count == 0 && Deleted.Count == 0;
    }

    /// <summary>What a successful, confirmed run leaves in the index.</summary>
    private void Record(BackupPlan plan, Func<ScannedEntry, FileStamp?>? stamp = null)
    {
        _index.Upsert(plan.ToSend.Select(entry => new IndexedFile(
            entry.CatalogPath, entry.Kind, entry.Size, entry.ModifiedAt, entry.Kind == EntryKind.File ? "hash" : null, entry.LinkTarget, IndexState.Committed,
            Stamp: stamp is null ? entry.Stamp : stamp(entry))));
        _index.Remove(plan.Deleted);
    }

    private string Catalog(string relative)
    {
        var root = CatalogPath.FromLocal(_tree.Root);
        return relative.Length == 0 ? root : root + "/" + relative;
    }
}
