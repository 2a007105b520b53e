using Backazon.Uploader.Uploading;

namespace Backazon.Uploader.Ui;

/// <summary>The running totals of a backup, as every view shows them: counted from the engine's
/// callbacks, on any thread.</summary>
public sealed class ProgressTotals
{
    private long _bytesPlanned, _bytesHashed, _bytesNotToRead, _bytesSent, _bytesNotToSend;
    private int _filesPlanned, _filesDone, _committed, _checked;

    public int FilesPlanned => Volatile.Read(ref _filesPlanned);
    public int FilesDone => Volatile.Read(ref _filesDone);
    public long BytesPlanned => Interlocked.Read(ref _bytesPlanned);
    public long BytesHashed => Interlocked.Read(ref _bytesHashed);
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>What has to be read: the planned bytes less those whose hash was known.</summary>
    public long BytesToRead => BytesPlanned - Interlocked.Read(ref _bytesNotToRead);

    /// <summary>What has to be sent: the planned bytes less content already stored, blocks
    /// already staged and skipped files.</summary>
    public long BytesToSend => BytesPlanned - Interlocked.Read(ref _bytesNotToSend);

    public int EntriesCommitted => Volatile.Read(ref _committed);
    public int EntriesChecked => Volatile.Read(ref _checked);

    public void Planned(int files, long bytes)
    {
        Interlocked.Add(ref _filesPlanned, files);
        Interlocked.Add(ref _bytesPlanned, bytes);
    }

    public void Hashed(long bytes) => Interlocked.Add(ref _bytesHashed, bytes);
    public void NotToRead(long bytes) => Interlocked.Add(ref _bytesNotToRead, bytes);
    public void Sent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);
    public void NotToSend(long bytes) => Interlocked.Add(ref _bytesNotToSend, bytes);
    public void FileDone() => Interlocked.Increment(ref _filesDone);
    public void Committed(int entries) => Interlocked.Add(ref _committed, entries);
    public void Checked(int entries) => Interlocked.Add(ref _checked, entries);
}

/// <summary>
/// A backup view that keeps the running totals: the counting every view shares, with a hook for
/// views that write as the totals move (JSON). Phases, skipped files and the end are each view's own.
/// </summary>
public abstract class TotalsProgressView : IBackupProgress
{
    protected ProgressTotals Totals { get; } = new();

    public abstract void Phase(string name);

    public virtual void Planned(int files, long bytes)
    {
        Totals.Planned(files, bytes);
        Moved();
    }

    public void Hashed(long bytes)
    {
        Totals.Hashed(bytes);
        Moved();
    }

    public void NotToRead(long bytes) => Totals.NotToRead(bytes);

    public void Sent(long bytes)
    {
        Totals.Sent(bytes);
        Moved();
    }

    public void NotToSend(long bytes) => Totals.NotToSend(bytes);

    public void FileDone(long bytes)
    {
        Totals.FileDone();
        Moved();
    }

    public void Committed(int entries) => Totals.Committed(entries);

    public void Checked(int entries)
    {
        Totals.Checked(entries);
        Moved();
    }

    public abstract void Skipped(string path, string reason);

    public abstract void Finished(BackupSummary summary);

    /// <summary>A total moved (files done, bytes read or sent, entries checked).</summary>
    protected virtual void Moved()
    {
    }
}
