namespace Backazon.Uploader.Planning;

/// <summary>
/// A content hash (SHA-256, lowercase hex) together with the size and modification time the file
/// had, unchanged, for the whole read. Grants, commits and the local index use these values rather
/// than the scan's, so a file edited between the scan and the read is described consistently.
/// </summary>
public sealed record FileDigest(string Hash, long Size, DateTimeOffset ModifiedAt);
