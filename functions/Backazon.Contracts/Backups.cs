namespace Backazon.Contracts;

/// <summary>Limits of the backup API, shared so the uploader batches within them.</summary>
public static class BackupLimits
{
    /// <summary>Files per grant request.</summary>
    public const int MaxGrantFiles = 500;

    /// <summary>Changes per commit request.</summary>
    public const int MaxCommitChanges = 1000;

    /// <summary>Largest file any plan could take (about Azure's largest block blob).</summary>
    public const long MaxFileSize = 190_000_000_000_000;

    /// <summary>Longest catalog path, in UTF-16 code units.</summary>
    public const int MaxPathLength = 32_767;

    /// <summary>Longest symbolic link target, in UTF-16 code units.</summary>
    public const int MaxLinkTargetLength = 4096;

    /// <summary>The highest Unix permission bits a file change may carry (rwx for all three, setuid, setgid, sticky).</summary>
    public const int MaxMode = 0b111_111_111_111;

    /// <summary>
    /// Content up to this size is sent in one request (Put Blob) with a create-only SAS, which
    /// can never overwrite; larger content is sent in blocks with a write SAS, and the backend
    /// checks a snapshot of the blob (a write SAS could break a lease). The uploader and the backend must agree on it.
    /// </summary>
    public const long SinglePutMaxBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Content from this size up (to <see cref="ChunkedMaxBytes"/>) is identified by its
    /// content-defined chunks (<see cref="ChunkListHash"/>), and a new version sends only the
    /// chunks the account does not hold: the backend builds the content blob from them and from
    /// content it checked before.
    /// </summary>
    public const long ChunkedMinBytes = 16 * 1024 * 1024;

    /// <summary>The largest chunked content: chunks of at least 4 MiB stay within Azure's 50,000
    /// blocks a blob. Larger files are sent whole, in blocks.</summary>
    public const long ChunkedMaxBytes = 192L * 1024 * 1024 * 1024;

    /// <summary>The longest chunk a chunk list may name (FastCDC's largest maximum).</summary>
    public const int MaxChunkBytes = 64 * 1024 * 1024;

    /// <summary>Chunks of all files of one grant request together.</summary>
    public const int MaxGrantChunks = 100_000;

    /// <summary>Whether content of this size is identified and sent by chunks.</summary>
    public static bool IsChunked(long size) => size is >= ChunkedMinBytes and <= ChunkedMaxBytes;
}

/// <summary>The kinds of entry a catalog records.</summary>
public static class EntryKinds
{
    public const string File = "file";
    public const string Symlink = "symlink";
    public const string Deleted = "deleted";

    /// <summary>A folder's modification time, so a restore can set it back (not a version: the
    /// catalog keeps the latest time on the folder's marker).</summary>
    public const string Folder = "folder";
}

/// <summary>The answer to one file of a grant request.</summary>
public static class GrantOutcomes
{
    /// <summary>The account already holds this content: nothing to send.</summary>
    public const string Stored = "stored";

    /// <summary>Send the bytes to <see cref="UploadGrant.UploadUrl"/>.</summary>
    public const string Upload = "upload";

    /// <summary>Not accepted; <see cref="UploadGrant.Reason"/> says why.</summary>
    public const string Refused = "refused";
}

/// <summary>One content-defined chunk of a file: the SHA-256 of its bytes (lowercase hex) and its length.</summary>
public sealed record ChunkRef(string? Hash, long Length);

/// <summary>One file the device wants to back up. Hash: the content's identity, lowercase hex:
/// the SHA-256 of its bytes or, for chunked sizes (<see cref="BackupLimits.IsChunked"/>), the
/// <see cref="ChunkListHash"/> of <paramref name="Chunks"/>, which such a file must list.</summary>
/// <param name="Base">earlier content of the account (its identity) this file is likely to share
/// chunks with, typically the path's previous version: the grant says which chunks it holds.</param>
public sealed record GrantFile(string? Path, long Size, string? Hash, IReadOnlyList<ChunkRef>? Chunks = null, string? Base = null);

public sealed record UploadGrantRequest(IReadOnlyList<GrantFile>? Files);

/// <param name="Held">chunked content: the hashes of its chunks the account holds already. Only
/// the others are sent, each once, in the order they first appear, as the blocks of the one blob
/// <paramref name="UploadUrl"/> names (a staging blob: the backend builds the content itself).</param>
public sealed record UploadGrant(string Path, string Hash, string Outcome, string? UploadUrl, DateTimeOffset? ExpiresAt, string? Reason,
    IReadOnlyList<string>? Held = null);

/// <param name="GrantId">names what the backend recorded of this request's grants; send it back
/// with the commit of these files (<see cref="CommitRequest.GrantIds"/>) and the check of their
/// content reads that record instead of a row per file. Null when nothing was granted.</param>
public sealed record UploadGrantResponse(IReadOnlyList<UploadGrant> Files, string? GrantId = null);

/// <summary>
/// One change to record: a file (content by hash, already uploaded or stored), a symbolic link
/// (its target, no content), or a deletion. ModifiedAt is the file's own modification time.
/// <paramref name="IsNew"/>: the device has never committed this path before, so it has no older
/// version for retention to look at and its folders may be new (a hint that saves work; the daily
/// retention pass does not rely on it).
/// </summary>
/// <param name="Mode">A file's Unix permission bits (0 to 0o7777), recorded so a restore brings
/// back the executable bit and the rest; null where the platform has none (Windows).</param>
public sealed record FileChange(string? Path, string? Kind, long Size, string? Hash, DateTimeOffset? ModifiedAt, string? LinkTarget, bool IsNew = false, int? Mode = null);

/// <summary>
/// A batch of changes. <paramref name="Id"/> is the device's idempotency key (24 lowercase hex
/// characters, chosen before the first attempt): the same key sent again — a retry after a lost
/// response — returns the commit already made instead of recording the batch twice.
/// <paramref name="GrantIds"/>: the grant requests whose uploads this commit records (a hint
/// that saves the backend a read per file; wrong or missing ids only cost those reads).
/// </summary>
public sealed record CommitRequest(IReadOnlyList<FileChange>? Changes, string? Id = null, IReadOnlyList<string>? GrantIds = null);

/// <summary>Accepted for cataloging; the versions are recorded at <paramref name="CommittedAt"/>.</summary>
public sealed record CommitResponse(string CommitId, DateTimeOffset CommittedAt, int Changes);

public static class CommitStates
{
    public const string Pending = "pending";
    public const string Cataloged = "cataloged";

    /// <summary>The backend gave up on it after many tries: nothing of it was cataloged, and the
    /// device sends its files again.</summary>
    public const string Failed = "failed";
}

public sealed record RejectedFile(string Path, string Reason);

/// <summary>What became of a commit: once cataloged, every change is either recorded or listed as
/// rejected (the device sends those files again on its next run).</summary>
public sealed record CommitStatus(string CommitId, string State, int Cataloged, IReadOnlyList<RejectedFile> Rejected);

/// <summary>The summary a device sends at the end of each run (the only request an unchanged
/// tree costs).</summary>
public sealed record RunReport(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int New,
    int Changed,
    int Unchanged,
    int Deleted,
    int Skipped,
    long BytesSent,
    bool Complete);
