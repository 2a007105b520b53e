using Backazon.Contracts;
using Backazon.Uploader.Scanning;
using Microsoft.Data.Sqlite;

namespace Backazon.Uploader.Index;

/// <summary>
/// The uploader's memory of what it sent: one SQLite file, one row per catalog path. Paths are
/// compared byte for byte (BINARY collation over UTF-8), so NFC and NFD spellings are two rows.
/// </summary>
/// <remarks>
/// <para>Life of a row: the upload step writes it <see cref="IndexState.Pending"/> with the commit
/// id the backend returned (or <see cref="IndexState.Dirty"/> if it could not be sent);
/// <see cref="ConfirmCommit"/> turns it <see cref="IndexState.Committed"/>, or back to dirty when the
/// backend rejected it. A deletion is a row of kind <see cref="EntryKind.Deleted"/> until its commit is
/// confirmed, then the row goes.</para>
/// <para>Losing the last transactions (WAL with synchronous=NORMAL, on power loss) is safe: rows
/// fall back to an older state and are sent again. Thread-safe: the stages of one run share one
/// instance, and each call holds the connection alone while it runs (calls are short).</para>
/// <para>Also kept here: the blocks of a large upload already staged in storage (so an upload
/// interrupted by a kill goes on from them), and, for one scan, the paths seen (so deletions
/// are found without holding the tree in memory).</para>
/// </remarks>
public sealed class LocalIndex : IDisposable
{
    private const int SchemaVersion = 4;
    private const int PageSize = 1000;
    private const int BatchSize = 1000;
    private const string Columns = "path, kind, size, mtime, hash, link_target, state, commit_id, ctime, inode";
    private const string ReadColumns = Columns + ", cataloged";

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _find;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _remove;
    private readonly SqliteCommand _markPending;

    /// <summary>Opens the index at <paramref name="databasePath"/>, creating it (and its folder) on first use.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer uploader.</exception>
    public LocalIndex(string databasePath)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(databasePath)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // No pooling: this instance holds its connection for its whole life, and disposing it
        // must really close the file.
        var builder = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false };
        _connection = new SqliteConnection(builder.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        Migrate();

        _find = Prepare($"SELECT {ReadColumns} FROM files WHERE path = $path", "$path");
        // "cataloged" is the index's own: a row starts uncataloged (unless written committed)
        // and stays cataloged once a commit of it is confirmed, whatever is written over it.
        _upsert = Prepare(
            $"""
            INSERT INTO files ({Columns}, cataloged) VALUES ($path, $kind, $size, $mtime, $hash, $link_target, $state, $commit_id, $ctime, $inode, $state = 'committed')
            ON CONFLICT (path) DO UPDATE SET kind = excluded.kind, size = excluded.size, mtime = excluded.mtime,
                hash = excluded.hash, link_target = excluded.link_target, state = excluded.state, commit_id = excluded.commit_id,
                ctime = excluded.ctime, inode = excluded.inode, cataloged = files.cataloged OR excluded.cataloged
            """,
            "$path", "$kind", "$size", "$mtime", "$hash", "$link_target", "$state", "$commit_id", "$ctime", "$inode");
        _remove = Prepare("DELETE FROM files WHERE path = $path", "$path");
        _markPending = Prepare("UPDATE files SET state = 'pending', commit_id = $commit_id WHERE path = $path", "$path", "$commit_id");
    }

    /// <summary>Rows in the index.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return (long)Scalar("SELECT COUNT(*) FROM files")!;
            }
        }
    }

    public IndexedFile? Find(string path)
    {
        lock (_gate)
        {
            _find.Parameters["$path"].Value = path;
            using var reader = _find.ExecuteReader();
            return reader.Read() ? ReadRow(reader) : null;
        }
    }

    /// <summary>
    /// The rows at <paramref name="catalogPrefix"/> or inside it as a folder: "home/a" yields
    /// "home/a" and "home/a/x", never "home/ab/x". The empty prefix yields every row. Streamed in
    /// path order (bytes of UTF-8), a page at a time, so other calls may run in between.
    /// With <paramref name="unseenOnly"/>, only rows this scan has not seen (<see cref="MarkSeen"/>).
    /// </summary>
    public IEnumerable<IndexedFile> Under(string catalogPrefix, bool unseenOnly = false)
    {
        string? after = null;
        while (true)
        {
            List<IndexedFile> page;
            lock (_gate)
            {
                using var command = _connection.CreateCommand();
                var where = new List<string>();
                if (catalogPrefix.Length > 0)
                {
                    // "0" is the character after "/": every path inside the folder sorts in
                    // [prefix/, prefix0), which is one range of the primary key.
                    where.Add("(path = $path OR (path >= $low AND path < $high))");
                    command.Parameters.AddWithValue("$path", catalogPrefix);
                    command.Parameters.AddWithValue("$low", catalogPrefix + "/");
                    command.Parameters.AddWithValue("$high", catalogPrefix + "0");
                }

                if (after is not null)
                {
                    where.Add("path > $after");
                    command.Parameters.AddWithValue("$after", after);
                }

                if (unseenOnly)
                {
                    where.Add("NOT EXISTS (SELECT 1 FROM seen WHERE seen.path = files.path)");
                }

                command.CommandText = $"SELECT {ReadColumns} FROM files {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY path LIMIT {PageSize}";
                using var reader = command.ExecuteReader();
                page = [];
                while (reader.Read())
                {
                    page.Add(ReadRow(reader));
                }
            }

            foreach (var row in page)
            {
                yield return row;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Path;
        }
    }

    /// <summary>Starts a scan: forgets which paths an earlier scan saw.</summary>
    public void BeginScan()
    {
        lock (_gate)
        {
            Execute("CREATE TEMP TABLE IF NOT EXISTS seen (path TEXT NOT NULL COLLATE BINARY PRIMARY KEY) WITHOUT ROWID; DELETE FROM seen;");
        }
    }

    /// <summary>Records paths the current scan found on disk (kept on disk, not in memory).</summary>
    public void MarkSeen(IEnumerable<string> paths)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO seen (path) VALUES ($path)";
            var parameter = command.Parameters.Add("$path", SqliteType.Text);
            InBatches(paths, command, path => parameter.Value = path);
        }
    }

    /// <summary>The blocks of <paramref name="hash"/>'s upload already staged in storage.</summary>
    public HashSet<int> StagedBlocks(string hash) => [.. StagedBlockDigests(hash).Keys];

    /// <summary>The blocks of <paramref name="hash"/>'s upload already staged in storage, each
    /// with the SHA-256 of the bytes that went (null when none was recorded).</summary>
    public Dictionary<int, string?> StagedBlockDigests(string hash)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT block, sha256 FROM staged_blocks WHERE hash = $hash";
            command.Parameters.AddWithValue("$hash", hash);
            using var reader = command.ExecuteReader();
            var blocks = new Dictionary<int, string?>();
            while (reader.Read())
            {
                blocks[reader.GetInt32(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
            }

            return blocks;
        }
    }

    /// <param name="sha256">the SHA-256 of the bytes staged, so a later run can tell whether the
    /// file still holds them there</param>
    public void AddStagedBlock(string hash, int block, string? sha256 = null)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR REPLACE INTO staged_blocks (hash, block, sha256) VALUES ($hash, $block, $sha256)";
            command.Parameters.AddWithValue("$hash", hash);
            command.Parameters.AddWithValue("$block", block);
            command.Parameters.AddWithValue("$sha256", (object?)sha256 ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The upload of <paramref name="hash"/> was committed (or must start over).</summary>
    public void ClearStagedBlocks(string hash)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM staged_blocks WHERE hash = $hash";
            command.Parameters.AddWithValue("$hash", hash);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Inserts or replaces rows, exactly as given (state and commit id included), but for
    /// <see cref="IndexedFile.Cataloged"/>: a new row is cataloged only when written committed, and
    /// a row once cataloged stays so.</summary>
    public void Upsert(IEnumerable<IndexedFile> files)
    {
        lock (_gate)
        {
            UpsertLocked(files);
        }
    }

    private void UpsertLocked(IEnumerable<IndexedFile> files) =>
        InBatches(files, _upsert, file =>
        {
            _upsert.Parameters["$path"].Value = file.Path;
            _upsert.Parameters["$kind"].Value = KindText(file.Kind);
            _upsert.Parameters["$size"].Value = file.Size;
            _upsert.Parameters["$mtime"].Value = file.ModifiedAt.UtcTicks;
            _upsert.Parameters["$hash"].Value = (object?)file.Hash ?? DBNull.Value;
            _upsert.Parameters["$link_target"].Value = (object?)file.LinkTarget ?? DBNull.Value;
            _upsert.Parameters["$ctime"].Value = (object?)file.Stamp?.ChangedAtNanoseconds ?? DBNull.Value;
            _upsert.Parameters["$inode"].Value = (object?)file.Stamp?.Inode ?? DBNull.Value;
            _upsert.Parameters["$state"].Value = StateText(file.State);
            // The schema enforces it too: a commit id exactly when pending.
            _upsert.Parameters["$commit_id"].Value = file.State != IndexState.Pending ? DBNull.Value
                : string.IsNullOrEmpty(file.CommitId) ? throw new ArgumentException($"Pending row \"{file.Path}\" has no commit id.", nameof(files))
                : file.CommitId;
        });

    /// <summary>Gives rows kept before stamps were their file's stamp, as a scan found the file
    /// unchanged by size and time (what the hash was taken of, as far as anyone can tell now).</summary>
    public void FillStamps(IEnumerable<(string Path, FileStamp Stamp)> rows)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE files SET ctime = $ctime, inode = $inode WHERE path = $path AND ctime IS NULL";
            var path = command.Parameters.Add("$path", SqliteType.Text);
            var ctime = command.Parameters.Add("$ctime", SqliteType.Integer);
            var inode = command.Parameters.Add("$inode", SqliteType.Integer);
            InBatches(rows, command, row =>
            {
                path.Value = row.Path;
                ctime.Value = row.Stamp.ChangedAtNanoseconds;
                inode.Value = row.Stamp.Inode;
            });
        }
    }

    public void Remove(IEnumerable<string> paths)
    {
        lock (_gate)
        {
            InBatches(paths, _remove, path => _remove.Parameters["$path"].Value = path);
        }
    }

    /// <summary>Records that these rows went out in commit <paramref name="commitId"/>. Paths
    /// without a row are ignored: upsert first.</summary>
    public void MarkPending(IEnumerable<string> paths, string commitId)
    {
        ArgumentException.ThrowIfNullOrEmpty(commitId);
        lock (_gate)
        {
            _markPending.Parameters["$commit_id"].Value = commitId;
            InBatches(paths, _markPending, path => _markPending.Parameters["$path"].Value = path);
        }
    }

    /// <summary>Commits sent but not confirmed yet: ask the backend about each before planning.</summary>
    public IReadOnlyList<string> PendingCommitIds()
    {
        lock (_gate)
        {
            return PendingCommitIdsLocked();
        }
    }

    private List<string> PendingCommitIdsLocked()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT commit_id FROM files WHERE commit_id IS NOT NULL ORDER BY commit_id";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>
    /// The backend cataloged <paramref name="commitId"/>: its rows become committed, its deletions
    /// leave the index, and <paramref name="rejectedPaths"/> become dirty, their hashes forgotten, so the next run reads and sends them
    /// again. Rows since re-sent in a later commit are left alone. One transaction.
    /// </summary>
    public void ConfirmCommit(string commitId, IReadOnlyCollection<string> rejectedPaths)
    {
        lock (_gate)
        {
            ConfirmCommitLocked(commitId, rejectedPaths);
        }
    }

    private void ConfirmCommitLocked(string commitId, IReadOnlyCollection<string> rejectedPaths)
    {
        using var transaction = _connection.BeginTransaction();
        using var reject = _connection.CreateCommand();
        reject.Transaction = transaction;
        // The backend found other bytes than the hash said: that hash is never to be trusted again.
        reject.CommandText = "UPDATE files SET state = 'dirty', commit_id = NULL, hash = NULL WHERE commit_id = $commit_id AND path = $path";
        reject.Parameters.AddWithValue("$commit_id", commitId);
        var path = reject.Parameters.Add("$path", SqliteType.Text);
        foreach (var rejected in rejectedPaths)
        {
            path.Value = rejected;
            reject.ExecuteNonQuery();
        }

        using var settle = _connection.CreateCommand();
        settle.Transaction = transaction;
        settle.CommandText = """
            DELETE FROM files WHERE commit_id = $commit_id AND kind = 'deleted';
            UPDATE files SET state = 'committed', commit_id = NULL, cataloged = 1 WHERE commit_id = $commit_id;
            """;
        settle.Parameters.AddWithValue("$commit_id", commitId);
        settle.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>The backend gave <paramref name="commitId"/> up: its rows become dirty (sent
    /// again next run, their hashes kept: nothing says they were wrong). Returns their paths.</summary>
    public IReadOnlyList<string> FailCommit(string commitId)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE files SET state = 'dirty', commit_id = NULL WHERE commit_id = $commit_id RETURNING path";
            command.Parameters.AddWithValue("$commit_id", commitId);
            var paths = new List<string>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    paths.Add(reader.GetString(0));
                }
            }

            transaction.Commit();
            return paths;
        }
    }

    public void Dispose()
    {
        _find.Dispose();
        _upsert.Dispose();
        _remove.Dispose();
        _markPending.Dispose();
        _connection.Dispose();
    }

    private void Migrate()
    {
        var version = (long)Scalar("PRAGMA user_version")!;
        if (version == SchemaVersion)
        {
            return;
        }

        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The local index \"{_connection.DataSource}\" has schema version {version}; this uploader knows {SchemaVersion}. Use a newer uploader.");
        }

        using var transaction = _connection.BeginTransaction();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        // Staged blocks from before their digests were kept are forgotten: at most the uploads
        // that were in flight are sent again.
        command.CommandText = (version == 0 ? CreateFiles : "") + (version is > 0 and < 3 ? AddStamps + "DROP TABLE IF EXISTS staged_blocks;\n" : "")
            + (version is > 0 and < 4 ? AddCataloged : "") + $"""
            CREATE TABLE IF NOT EXISTS staged_blocks (
                hash   TEXT    NOT NULL,
                block  INTEGER NOT NULL,
                sha256 TEXT,
                PRIMARY KEY (hash, block)
            ) WITHOUT ROWID;
            PRAGMA user_version = {SchemaVersion};
            """;
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    private const string CreateFiles = """
            CREATE TABLE files (
                path        TEXT    NOT NULL COLLATE BINARY PRIMARY KEY,
                kind        TEXT    NOT NULL CHECK (kind IN ('file', 'symlink', 'deleted')),
                size        INTEGER NOT NULL,
                mtime       INTEGER NOT NULL, -- UTC ticks (100 ns since 0001-01-01)
                hash        TEXT,
                link_target TEXT,
                state       TEXT    NOT NULL CHECK (state IN ('committed', 'pending', 'dirty')),
                commit_id   TEXT,
                ctime       INTEGER, -- change time, ns since the epoch (null where the system does not tell)
                inode       INTEGER,
                cataloged   INTEGER NOT NULL DEFAULT 0, -- 1 once the backend confirmed a commit of this path
                CHECK ((state = 'pending') = (commit_id IS NOT NULL))
            ) WITHOUT ROWID;
            CREATE INDEX files_by_commit ON files (commit_id) WHERE commit_id IS NOT NULL;

            """;

    // Rows from before stamps were kept get theirs from the next scan that finds them unchanged.
    private const string AddStamps = """
            ALTER TABLE files ADD COLUMN ctime INTEGER;
            ALTER TABLE files ADD COLUMN inode INTEGER;

            """;

    // Rows from before this was kept count as cataloged: at worst a file whose first upload was
    // interrupted is called changed once more, as it was then.
    private const string AddCataloged = """
            ALTER TABLE files ADD COLUMN cataloged INTEGER NOT NULL DEFAULT 1;

            """;

    /// <summary>Runs one prepared command per item, committing every <see cref="BatchSize"/>
    /// items: one transaction per row would cost a disk sync each.</summary>
    private void InBatches<T>(IEnumerable<T> items, SqliteCommand command, Action<T> bind)
    {
        SqliteTransaction? transaction = null;
        var inBatch = 0;
        try
        {
            foreach (var item in items)
            {
                if (transaction is null)
                {
                    transaction = _connection.BeginTransaction();
                    command.Transaction = transaction;
                }

                bind(item);
                command.ExecuteNonQuery();
                if (++inBatch == BatchSize)
                {
                    transaction.Commit();
                    transaction.Dispose();
                    transaction = null;
                    inBatch = 0;
                }
            }

            transaction?.Commit();
        }
        finally
        {
            transaction?.Dispose();
            command.Transaction = null;
        }
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            // No declared type: each value binds as what it is (TEXT, INTEGER or NULL).
            command.Parameters.AddWithValue(name, DBNull.Value);
        }

        return command;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static IndexedFile ReadRow(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1) switch
        {
            EntryKinds.File => EntryKind.File,
            EntryKinds.Symlink => EntryKind.Symlink,
            _ => EntryKind.Deleted,
        },
        reader.GetInt64(2),
        new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.GetString(6) switch
        {
            "committed" => IndexState.Committed,
            "pending" => IndexState.Pending,
            _ => IndexState.Dirty,
        },
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) || reader.IsDBNull(9) ? null : new FileStamp(reader.GetInt64(8), reader.GetInt64(9)),
        reader.GetInt64(10) != 0);

    private static string KindText(EntryKind kind) => kind switch
    {
        EntryKind.File => EntryKinds.File,
        EntryKind.Symlink => EntryKinds.Symlink,
        _ => EntryKinds.Deleted,
    };

    private static string StateText(IndexState state) => state.ToString().ToLowerInvariant();
}
