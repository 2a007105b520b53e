namespace Backazon.Uploader.Planning;

/// <summary>
/// A content identity (see <see cref="ContentIdentity"/>, lowercase hex) together with the size and modification time the file
/// had, unchanged, for the whole read. Grants, commits and the local index use these values rather
/// than the scan's, so a file edited between the scan and the read is described consistently.
/// </summary>
/// <param name="Chunks">chunked content's chunks, in order (null for other sizes, and when the
/// digest came from the index without a read)</param>
/// <param name="Stamp">the file's change time and inode, unchanged for the whole read (null
/// where the system does not tell)</param>
public sealed record FileDigest(string Hash, long Size, DateTimeOffset ModifiedAt, IReadOnlyList<Contracts.ChunkRef>? Chunks = null, Scanning.FileStamp? Stamp = null);
