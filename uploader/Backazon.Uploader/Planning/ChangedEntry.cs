using Backazon.Uploader.Index;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Planning;

/// <summary>An entry to send again, with what the index held for it: the later steps may reuse
/// <see cref="IndexedFile.Hash"/> when only the confirmation was missing.</summary>
public sealed record ChangedEntry(ScannedEntry Current, IndexedFile Previous);
