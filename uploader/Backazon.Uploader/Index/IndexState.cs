namespace Backazon.Uploader.Index;

/// <summary>How far a row of the local index has got on its way into the catalog.</summary>
public enum IndexState
{
    /// <summary>The backend confirmed it cataloged this version.</summary>
    Committed,

    /// <summary>Sent in a commit (<see cref="IndexedFile.CommitId"/>) the backend has not confirmed yet.</summary>
    Pending,

    /// <summary>Must be sent again on the next run even if size and modification time match
    /// (the backend rejected it, or it was never sent).</summary>
    Dirty,
}
