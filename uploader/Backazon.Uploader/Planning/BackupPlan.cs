using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Planning;

/// <summary>What one root needs: entries to send (new or changed) and catalog paths to report deleted.</summary>
public sealed record BackupPlan(
    int Unchanged,
    IReadOnlyList<ScannedEntry> New,
    IReadOnlyList<ChangedEntry> Changed,
    IReadOnlyList<string> Deleted)
{
    /// <summary>New then changed entries: what the hashing and upload steps work through.</summary>
    public IEnumerable<ScannedEntry> ToSend => New.Concat(Changed.Select(change => change.Current));

    /// <summary>True when the root needs no hashing, no upload and no commit.</summary>
    public bool IsEmpty => New.Count == 0 && Changed.Count == 0 && Deleted.Count == 0;
}
