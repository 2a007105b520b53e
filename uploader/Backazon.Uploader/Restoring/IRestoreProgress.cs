using Backazon.Contracts;

namespace Backazon.Uploader.Restoring;

/// <summary>What a restore reports as it goes; views decide how to show it.</summary>
public interface IRestoreProgress
{
    /// <summary>Another page of the manifest: this many more files and bytes.</summary>
    void Planned(int files, long bytes);

    void Received(long bytes);

    void Done(string path, RestoreOutcome outcome, string? detail);

    void Finished(RestoreSummary summary);
}

public enum RestoreOutcome
{
    /// <summary>Written (or the link made), verified against the catalog's hash.</summary>
    Restored,

    /// <summary>Already there with the same content: nothing written.</summary>
    Identical,

    /// <summary>A different file was there and --overwrite replaced it.</summary>
    Replaced,

    /// <summary>A different file is there; left alone (no --overwrite).</summary>
    Kept,

    /// <summary>The catalog path would land outside the target folder or go through a link; nothing written.</summary>
    Refused,

    /// <summary>Could not be restored (download failed or the bytes did not match the hash).</summary>
    Failed,
}

/// <param name="Item">what the catalog holds for it (size, time, hash), so a restore back in place
/// can tell the local index.</param>
public sealed record RestoredFile(string Path, RestoreOutcome Outcome, string? Detail, RestoreItem? Item = null);

public sealed record RestoreSummary(IReadOnlyList<RestoredFile> Files, long BytesReceived, TimeSpan Elapsed)
{
    public int Count(RestoreOutcome outcome) => Files.Count(f => f.Outcome == outcome);

    /// <summary>Everything asked for is now on disk as cataloged.</summary>
    public bool Complete => Files.All(f => f.Outcome is RestoreOutcome.Restored or RestoreOutcome.Identical or RestoreOutcome.Replaced);
}
