using Backazon.Uploader.Uploading;

namespace Backazon.Uploader.Agent;

/// <summary>A run's progress passed on to its view, with the bytes sent counted on the way, so
/// that a run stopped before its summary still says what it sent (restic's decorator shape: one
/// interface, no flag threaded through the engine).</summary>
public sealed class SentBytes(IBackupProgress inner) : IBackupProgress
{
    private long _sent;

    public long Total => Interlocked.Read(ref _sent);

    public void Sent(long bytes)
    {
        Interlocked.Add(ref _sent, bytes);
        inner.Sent(bytes);
    }

    public void Phase(string name) => inner.Phase(name);
    public void Planned(int files, long bytes) => inner.Planned(files, bytes);
    public void Hashed(long bytes) => inner.Hashed(bytes);
    public void NotToRead(long bytes) => inner.NotToRead(bytes);
    public void NotToSend(long bytes) => inner.NotToSend(bytes);
    public void Committed(int entries) => inner.Committed(entries);
    public void Checked(int entries) => inner.Checked(entries);
    public void FileDone(long bytes) => inner.FileDone(bytes);
    public void Skipped(string path, string reason) => inner.Skipped(path, reason);
    public void Finished(BackupSummary summary) => inner.Finished(summary);
}
