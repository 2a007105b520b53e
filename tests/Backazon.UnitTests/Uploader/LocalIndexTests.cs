using Backazon.Uploader.Index;
using Backazon.Uploader.Scanning;
using Microsoft.Data.Sqlite;

namespace Backazon.UnitTests.Uploader;

public sealed class LocalIndexTests : IDisposable
{
    private static readonly DateTimeOffset Modified = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private readonly TempTree _tree = new();
    private readonly string _databasePath;
    private readonly LocalIndex _index;

    public LocalIndexTests()
    {
        _databasePath = _tree.PathOf("state/index.db");
        _index = new LocalIndex(_databasePath);
    }

    public void Dispose()
    {
        _index.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public void Upsert_ThenFind_RoundTripsEveryField()
    {
        var file = new IndexedFile("home/a/x.txt", EntryKind.File, 42, Modified.AddTicks(1234567), new string('a', 64), null, IndexState.Committed);
        var link = new IndexedFile("home/a/link", EntryKind.Symlink, 0, Modified, null, "../target", IndexState.Pending, "commit-1");
        var deletion = IndexedFile.Deletion("home/a/gone");

        _index.Upsert([file, link, deletion]);

        Assert.Equal(file, _index.Find(file.Path));
        // Written as not committed: the index knows they never reached the catalog.
        Assert.Equal(link with { Cataloged = false }, _index.Find(link.Path));
        Assert.Equal(deletion with { Cataloged = false }, _index.Find(deletion.Path));
        Assert.Null(_index.Find("home/a/missing"));
        Assert.Equal(3, _index.Count);
    }

    [Fact]
    public void Upsert_ExistingPath_Replaces()
    {
        _index.Upsert([Row("a/x", size: 1)]);
        _index.Upsert([Row("a/x", size: 2)]);

        Assert.Equal(2, _index.Find("a/x")!.Size);
        Assert.Equal(1, _index.Count);
    }

    [Fact]
    public void Upsert_PendingWithoutCommitId_Throws() =>
        Assert.Throws<ArgumentException>(() => _index.Upsert([Row("a/x") with { State = IndexState.Pending }]));

    [Fact]
    public void Find_NfcAndNfd_AreDistinctRows()
    {
        _index.Upsert([Row("home/caf\u00e9", size: 1), Row("home/cafe\u0301", size: 2)]);

        Assert.Equal(1, _index.Find("home/caf\u00e9")!.Size);
        Assert.Equal(2, _index.Find("home/cafe\u0301")!.Size);
        Assert.Null(_index.Find("home/CAF\u00c9"));
    }

    [Fact]
    public void Under_FolderPrefix_ExcludesSiblingsSharingTheLetters()
    {
        string[] inside = ["home/a", "home/a/b/c", "home/a/x", "home/a/\u00e9"];
        string[] outside = ["home/ab/x", "home/a0", "home/a.txt", "home/a-b/c", "home", "homea/x"];
        _index.Upsert(inside.Concat(outside).Select(path => Row(path)));

        Assert.Equal(inside, _index.Under("home/a").Select(row => row.Path).Order(StringComparer.Ordinal));
        Assert.Equal(inside.Length + outside.Length, _index.Under("").Count());
        Assert.Empty(_index.Under("nothing/here"));
    }

    [Fact]
    public void Remove_Paths_RemovesOnlyThose()
    {
        _index.Upsert([Row("a"), Row("b"), Row("c")]);

        _index.Remove(["a", "c", "not-there"]);

        Assert.Equal(["b"], _index.Under("").Select(row => row.Path));
    }

    [Fact]
    public void ConfirmCommit_WithRejections_CommitsRestDirtiesRejectedAndDropsDeletions()
    {
        _index.Upsert([Row("ok"), Row("bad"), IndexedFile.Deletion("gone"), IndexedFile.Deletion("gone-rejected"), Row("later")]);
        _index.MarkPending(["ok", "bad", "gone", "gone-rejected"], "c1");
        _index.MarkPending(["later"], "c2");
        Assert.Equal(["c1", "c2"], _index.PendingCommitIds());

        _index.ConfirmCommit("c1", ["bad", "gone-rejected", "later"]);

        Assert.Equal(IndexState.Committed, _index.Find("ok")!.State);
        Assert.Null(_index.Find("ok")!.CommitId);
        Assert.Equal(IndexState.Dirty, _index.Find("bad")!.State);
        Assert.Null(_index.Find("gone"));
        Assert.Equal((EntryKind.Deleted, IndexState.Dirty), (_index.Find("gone-rejected")!.Kind, _index.Find("gone-rejected")!.State));
        Assert.Equal((IndexState.Pending, "c2"), (_index.Find("later")!.State, _index.Find("later")!.CommitId)); // another commit's row
        Assert.Equal(["c2"], _index.PendingCommitIds());
    }

    [Fact]
    public void ConfirmCommit_RowResentInLaterCommit_IsLeftPending()
    {
        _index.Upsert([Row("a")]);
        _index.MarkPending(["a"], "c1");
        _index.MarkPending(["a"], "c2");

        _index.ConfirmCommit("c1", []);

        Assert.Equal("c2", _index.Find("a")!.CommitId);
    }

    [Fact]
    public void Upsert_ThousandsOfRows_SpanBatchesAndStayFast()
    {
        var rows = Enumerable.Range(0, 5_000).Select(i => Row($"bulk/{i:D5}")).ToList();

        _index.Upsert(rows);
        _index.MarkPending(rows.Select(row => row.Path), "big");
        _index.ConfirmCommit("big", []);

        Assert.Equal(5_000, _index.Count);
        Assert.All(_index.Under("bulk"), row => Assert.Equal(IndexState.Committed, row.State));
    }

    [Fact]
    public void Open_ExistingFile_KeepsRowsInWalMode()
    {
        _index.Upsert([Row("kept")]);
        _index.Dispose();

        using var reopened = new LocalIndex(_databasePath);

        Assert.NotNull(reopened.Find("kept"));
        Assert.Equal("wal", Pragma("journal_mode"));
        Assert.Equal(4L, Pragma("user_version"));
    }

    [Fact]
    public void Under_UnseenOnly_YieldsRowsTheScanDidNotSee_AcrossPages()
    {
        _index.Upsert(Enumerable.Range(0, 2500).Select(i => Row($"home/f{i:D4}")));
        _index.BeginScan();

        _index.MarkSeen(Enumerable.Range(0, 2500).Where(i => i % 3 != 0).Select(i => $"home/f{i:D4}"));

        var unseen = _index.Under("home", unseenOnly: true).Select(row => row.Path).ToList();
        Assert.Equal(Enumerable.Range(0, 2500).Where(i => i % 3 == 0).Select(i => $"home/f{i:D4}"), unseen);
        _index.BeginScan();
        Assert.Equal(2500, _index.Under("home", unseenOnly: true).Count());
    }

    [Fact]
    public void StagedBlocks_RecordedThenCleared_ArePerContent()
    {
        _index.AddStagedBlock("aaa", 0);
        _index.AddStagedBlock("aaa", 7);
        _index.AddStagedBlock("aaa", 7);
        _index.AddStagedBlock("bbb", 1);

        Assert.Equal([0, 7], _index.StagedBlocks("aaa").Order());
        _index.ClearStagedBlocks("aaa");
        Assert.Empty(_index.StagedBlocks("aaa"));
        Assert.Equal([1], _index.StagedBlocks("bbb"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Open_OlderSchema_KeepsRowsWithoutStamps_AndForgetsStagedBlocks(int version)
    {
        _index.Dispose();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _databasePath, Pooling = false }.ToString()))
        {
            connection.Open();
            using var old = connection.CreateCommand();
            old.CommandText = $"""
                DROP TABLE files; DROP TABLE staged_blocks;
                CREATE TABLE files (path TEXT NOT NULL PRIMARY KEY, kind TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
                    hash TEXT, link_target TEXT, state TEXT NOT NULL, commit_id TEXT) WITHOUT ROWID;
                INSERT INTO files VALUES ('kept', 'file', 3, 0, 'abc', NULL, 'committed', NULL);
                {(version == 2 ? "CREATE TABLE staged_blocks (hash TEXT NOT NULL, block INTEGER NOT NULL, PRIMARY KEY (hash, block)) WITHOUT ROWID; INSERT INTO staged_blocks VALUES ('h', 1);" : "")}
                PRAGMA user_version = {version};
                """;
            old.ExecuteNonQuery();
        }

        using var reopened = new LocalIndex(_databasePath);

        Assert.Equal(("abc", (FileStamp?)null, true), (reopened.Find("kept")!.Hash, reopened.Find("kept")!.Stamp, reopened.Find("kept")!.Cataloged));
        Assert.Empty(reopened.StagedBlocks("h"));
        reopened.AddStagedBlock("h", 3, "digest");
        Assert.Equal(new Dictionary<int, string?> { [3] = "digest" }, reopened.StagedBlockDigests("h"));
        reopened.Upsert([Row("stamped") with { Stamp = new FileStamp(1_700_000_000_123_456_789, 42) }]);
        Assert.Equal(new FileStamp(1_700_000_000_123_456_789, 42), reopened.Find("stamped")!.Stamp);
        Assert.Equal(4L, Pragma("user_version"));
    }

    [Fact]
    public void Cataloged_OnlyOnceACommitOfThePathIsConfirmed_AndThenForGood()
    {
        _index.Upsert([Row("a") with { State = IndexState.Dirty }, Row("b") with { State = IndexState.Dirty }]);
        _index.MarkPending(["a", "b"], "c1");
        Assert.False(_index.Find("a")!.Cataloged);

        _index.FailCommit("c1");
        Assert.False(_index.Find("a")!.Cataloged);
        _index.MarkPending(["a", "b"], "c2");
        _index.ConfirmCommit("c2", rejectedPaths: ["b"]);
        Assert.Equal((true, false), (_index.Find("a")!.Cataloged, _index.Find("b")!.Cataloged));

        // A later version of a cataloged path, hashed and not sent yet: still a path the catalog knows.
        _index.Upsert([Row("a") with { State = IndexState.Dirty, Size = 99 }]);
        Assert.True(_index.Find("a")!.Cataloged);
    }

    [Fact]
    public void FailCommit_MakesItsRowsDirty_KeepsTheirHashes_AndSaysWhich()
    {
        _index.Upsert([Row("a") with { State = IndexState.Pending, CommitId = "c1", Hash = "h" }, Row("b") with { State = IndexState.Pending, CommitId = "c2" }]);

        Assert.Equal(["a"], _index.FailCommit("c1"));

        Assert.Equal((IndexState.Dirty, "h"), (_index.Find("a")!.State, _index.Find("a")!.Hash));
        Assert.Equal(IndexState.Pending, _index.Find("b")!.State);
        Assert.Equal(["c2"], _index.PendingCommitIds());
    }

    [Fact]
    public void ConfirmCommit_RejectedRow_ForgetsItsHash()
    {
        _index.Upsert([Row("rejected") with { State = IndexState.Pending, CommitId = "c1", Hash = "wrong" }]);

        _index.ConfirmCommit("c1", ["rejected"]);

        Assert.Equal((IndexState.Dirty, (string?)null), (_index.Find("rejected")!.State, _index.Find("rejected")!.Hash));
    }

    [Fact]
    public void Open_NewerSchema_Throws()
    {
        _index.Dispose();
        Pragma("user_version = 99");

        var error = Assert.Throws<InvalidOperationException>(() => new LocalIndex(_databasePath));
        Assert.Contains("99", error.Message);
    }

    private static IndexedFile Row(string path, long size = 10) =>
        new(path, EntryKind.File, size, Modified, new string('0', 64), null, IndexState.Committed);

    private object? Pragma(string pragma)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _databasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {pragma}";
        return command.ExecuteScalar();
    }
}
