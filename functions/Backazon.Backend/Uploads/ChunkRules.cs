using Backazon.Backend.Catalog;
using Backazon.Backend.Errors;
using Backazon.Backend.Uploads;
using Backazon.Contracts;

namespace Backazon.Backend.Uploads;

/// <summary>What a grant's chunk list must be: there exactly for chunked sizes, chunks that add
/// up to the file, and a list whose hash is the file's declared identity. Checked before anything
/// is written, so a wrong list is a 400 that changes nothing.</summary>
public static class ChunkRules
{
    /// <summary>Azure's limit of blocks in one blob: each chunk is at most one block.</summary>
    public const int MaxChunks = 50_000;

    public static void Validate(GrantFile file, string field)
    {
        if (file.Base is not null)
        {
            CatalogPathRules.ValidHash(file.Base, $"{field}.base");
        }

        if (!BackupLimits.IsChunked(file.Size))
        {
            if (file.Chunks is { Count: > 0 })
            {
                throw BackazonException.BadRequest(
                    $"The field '{field}.chunks' is for files of {ByteSizes.Format(BackupLimits.ChunkedMinBytes)} to {ByteSizes.Format(BackupLimits.ChunkedMaxBytes)}; this one is sent whole.", $"{field}.chunks");
            }

            return;
        }

        if (file.Chunks is not { Count: > 0 and <= MaxChunks } chunks)
        {
            throw BackazonException.BadRequest(
                $"The field '{field}.chunks' must list between 1 and {MaxChunks:N0} content-defined chunks (hash and length) for a file of {ByteSizes.Format(BackupLimits.ChunkedMinBytes)} or more.", $"{field}.chunks");
        }

        long total = 0;
        for (var c = 0; c < chunks.Count; c++)
        {
            var chunk = chunks[c] ?? throw BackazonException.BadRequest($"The field '{field}.chunks[{c}]' is null.", $"{field}.chunks[{c}]");
            CatalogPathRules.ValidHash(chunk.Hash, $"{field}.chunks[{c}].hash");
            if (chunk.Length is < 1 or > BackupLimits.MaxChunkBytes)
            {
                throw BackazonException.BadRequest($"The field '{field}.chunks[{c}].length' must be between 1 and {BackupLimits.MaxChunkBytes:N0} bytes.", $"{field}.chunks[{c}].length");
            }

            total += chunk.Length;
        }

        if (total != file.Size)
        {
            throw BackazonException.BadRequest($"The chunks in '{field}.chunks' add up to {total:N0} bytes, not the file's {file.Size:N0}.", $"{field}.chunks");
        }

        if (ChunkListHash.Of(chunks) != file.Hash)
        {
            throw BackazonException.BadRequest($"The field '{field}.hash' is not the hash of the chunk list in '{field}.chunks'.", $"{field}.hash");
        }
    }
}
