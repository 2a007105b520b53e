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
