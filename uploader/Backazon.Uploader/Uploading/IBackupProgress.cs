namespace Backazon.Uploader.Uploading;

/// <summary>
/// What a backup run reports as it goes. The engine never writes to the console: a view (live
/// progress bars, plain lines or JSON) implements this.
/// </summary>
public interface IBackupProgress
{
    /// <summary>A new phase starts ("Backing up" — scanning, hashing, sending and committing
    /// overlap — then "Cataloging", the wait for the last confirmations).</summary>
    void Phase(string name);

    /// <summary>More work planned, a batch at a time (the totals grow as the scan goes): changes
    /// (new, changed and deleted files and links, as the summary counts them) and the bytes of
    /// the files among them, to read and send.</summary>
    void Planned(int files, long bytes);

    /// <summary>Bytes read to compute hashes.</summary>
    void Hashed(long bytes);

    /// <summary>Planned bytes that need no reading after all (their hash is known from a run that
    /// was stopped), so that "read" still ends at its total.</summary>
    void NotToRead(long bytes);

    /// <summary>Bytes sent to storage.</summary>
    void Sent(long bytes);

    /// <summary>Planned bytes that need no sending after all: the backend holds that content
    /// already, its blocks are in storage from an earlier run, or the file was skipped. "Sent"
    /// ends at its total all the same.</summary>
    void NotToSend(long bytes);

    /// <summary>A commit of this many changes went to the backend to be checked and cataloged
    /// (the folder times it carries are not counted).</summary>
    void Committed(int entries);

    /// <summary>The backend settled this many more of the changes committed (cataloged or not).</summary>
    void Checked(int entries);

    /// <summary>One planned change is done: a file of <paramref name="bytes"/> bytes stored, sent,
    /// found already stored or skipped; a link or deletion committed (0 bytes).</summary>
    void FileDone(long bytes);

    void Skipped(string path, string reason);

    /// <summary>The run ended and its record is written (called by <c>BackupJob</c>, after the runner returns).</summary>
    void Finished(BackupSummary summary);
}

/// <summary>The end of a run: what changed and what could not be backed up, with why.</summary>
public sealed record BackupSummary(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int New,
    int Changed,
    int Unchanged,
    int Deleted,
    IReadOnlyList<SkippedFile> Skipped,
    long BytesSent,
    long BytesHashed,
    int FilesSent,
    int Cataloged,
    bool WaitedForCatalog,
    int NowExcluded = 0)
{
    public bool Complete => Skipped.Count == 0;

    /// <summary>There was something to back up and none of it could be taken: a failure, not a
    /// run that mostly worked.</summary>
    public bool NothingTaken => Skipped.Count > 0 && New + Changed + Deleted == 0;
}

public sealed record SkippedFile(string Path, string Reason);
