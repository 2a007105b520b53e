using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Content;

public static class ContentStates
{
    /// <summary>A device may upload it: its bytes are reserved against the quota, and the blob
    /// may be absent, partial, or not what was declared.</summary>
    public const string Granted = "granted";

    /// <summary>The backend read every byte and found the declared size and hash: usage counts it.</summary>
    public const string Verified = "verified";
}

/// <summary>
/// One row per content of an account ("content:{sha256}" in the account's partition), from the
/// grant to its release: <see cref="ContentStates.Granted"/> while a device may upload it (its
/// bytes reserved), then <see cref="ContentStates.Verified"/> once the backend has checked the
/// blob where it lies (its bytes used). Each state change moves the account's counters in the
/// same transaction, guarded by both ETags, so usage never counts content twice or misses it.
/// While the row is granted, some upload SAS for its blob may still be alive (the row expires
/// only after the last SAS does), so a granted row is never deleted before
/// <see cref="ExpiresAt"/> and no blob can be written once its row is gone.
/// </summary>
public sealed class ContentEntity : ITableEntity
{
    public const string RowPrefix = "content:";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = ContentStates.Granted;
    public long Size { get; set; }

    /// <summary>The one device that was granted its upload, or null once a second device was
    /// (both could write through their SAS, so a mismatch can be blamed on neither).</summary>
    public string? DeviceId { get; set; }
    public DateTimeOffset IssuedAt { get; set; }

    /// <summary>Granted: after this (the last SAS's expiry plus the commit window) the sweeper
    /// settles the row: verifies what arrived, or releases the reservation.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? VerifiedAt { get; set; }

    /// <summary>Content sent in blocks: the snapshot the backend checked, which is what restores
    /// read (a snapshot cannot be changed, and devices can never delete one). Null for content sent
    /// in one request: its blob itself cannot be overwritten.</summary>
    public string? Snapshot { get; set; }

    /// <summary>Chunked content kept as one version of a big file's lineage blob
    /// (<see cref="Content.LineageBlobs"/>): that blob's name; <see cref="Snapshot"/> is this
    /// version. Null for content in a blob of its own, "{account}/{hash}".</summary>
    public string? Blob { get; set; }

    /// <summary>The snapshot was given up for the blob itself (see
    /// <see cref="Content.ContentTiering"/>); it is deleted after this moment, once no signed
    /// link to it can still be alive.</summary>
    public DateTimeOffset? DropSnapshotsAfter { get; set; }

    /// <summary>Tagged for tiering (<see cref="Content.ContentTiering"/>): only old versions
    /// point at it.</summary>
    public bool TaggedOld { get; set; }

    /// <summary>When set, retention checks after this moment whether any catalog version still
    /// points at the content and releases it if none does. Set at verification and when a version
    /// pointing at it is removed; cleared when a commit uses it again (see Retention/README.md).</summary>
    public DateTimeOffset? CheckReferencesAfter { get; set; }

    public bool IsVerified => State == ContentStates.Verified;

    public string Hash => RowKey[RowPrefix.Length..];

    public static string RowFor(string hash) => RowPrefix + hash;
}
