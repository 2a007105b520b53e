using Backazon.Contracts;
using Backazon.Uploader.Planning;

namespace Backazon.Uploader.Uploading;

/// <summary>
/// The unit that flows through a backup: a few hundred files (or one large one), their links and
/// deletions. It is hashed, granted, uploaded and committed together, so a kill costs at most
/// the batches in flight, and each commit is one queue message for the backend.
/// </summary>
public sealed class Batch
{
    public List<BatchFile> Files { get; } = [];

    /// <summary>Links and deletions: recorded by the commit, nothing to hash or send.</summary>
    public List<PlannedChange> Others { get; } = [];

    public long FileBytes { get; private set; }

    /// <summary>The backend's id for this batch's grants, sent back with its commit (it saves the
    /// backend a read per file).</summary>
    public string? GrantId { get; set; }

    public int Changes => Files.Count + Others.Count;

    /// <summary>A large file's batch (see <see cref="BatchBuilder"/>): it is sent in its own lane.</summary>
    public bool IsLargeFile { get; private init; }

    public static Batch LargeFile(PlannedChange change)
    {
        var batch = new Batch { IsLargeFile = true };
        batch.Add(change);
        return batch;
    }

    public void Add(PlannedChange change)
    {
        if (change is { Kind: not ChangeKind.Deleted, Entry.Kind: Scanning.EntryKind.File })
        {
            Files.Add(new BatchFile(change));
            FileBytes += change.Entry.Size;
        }
        else
        {
            Others.Add(change);
        }
    }
}

/// <summary>A file of a batch and what became of it so far.</summary>
public sealed class BatchFile(PlannedChange change)
{
    public PlannedChange Change { get; } = change;
    public Scanning.ScannedEntry Entry => Change.Entry!;

    /// <summary>Set once hashed (or taken from the index when only the confirmation was missing).</summary>
    public FileDigest? Digest { get; set; }

    /// <summary>Set when the file cannot be taken this run: why, in plain words.</summary>
    public string? Failure { get; set; }

    public bool Ready => Digest is not null && Failure is null;

    private long _accounted;

    /// <summary>Its bytes the progress has so far counted sent or not to send.</summary>
    public long Accounted => Interlocked.Read(ref _accounted);

    public void Account(long bytes) => Interlocked.Add(ref _accounted, bytes);
}

/// <summary>Closes batches by size: the grant limit in files, a byte budget, the commit limit in
/// changes; a file at or above <see cref="BackupOptions.LargeFileBytes"/> travels alone, so its
/// check is a message of its own and a kill during it costs only its blocks in flight.</summary>
public sealed class BatchBuilder(BackupOptions options)
{
    private Batch _current = new();

    /// <summary>Adds a change; returns the batches it closed (none, one, or two).</summary>
    public IEnumerable<Batch> Add(PlannedChange change)
    {
        if (change is { Kind: not ChangeKind.Deleted, Entry: { Kind: Scanning.EntryKind.File } entry } && entry.Size >= options.LargeFileBytes)
        {
            yield return Batch.LargeFile(change);
            yield break;
        }

        _current.Add(change);
        if (_current.Files.Count >= Math.Min(options.BatchFiles, BackupLimits.MaxGrantFiles)
            || _current.FileBytes >= options.BatchBytes
            || _current.Changes >= BackupLimits.MaxCommitChanges)
        {
            yield return Flush()!;
        }
    }

    /// <summary>The batch being filled, if it holds anything.</summary>
    public Batch? Flush()
    {
        if (_current.Changes == 0)
        {
            return null;
        }

        var full = _current;
        _current = new Batch();
        return full;
    }
}
