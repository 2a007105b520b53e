using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Backazon.Backend.Catalog;
using Backazon.Backend.Errors;

namespace Backazon.Backend.Restores;

/// <summary>
/// Where a page of a listing or of a restore manifest stopped, as the continuation the caller
/// hands back: which selected path (its index in the selection's fixed order), the moment the
/// first page pinned, and the walk's position below that path (none: the path is not started).
/// It travels as compact JSON in base64url, the folder written relative to its selected path.
/// </summary>
/// <remarks>
/// A token is checked before it is used: its position lies below its own selected path, and its
/// key among the rows of its phase. Whatever it says, the partitions read are built from the
/// caller's own account and the device already checked, so a forged one can at most reread what
/// the caller may read anyway.
/// </remarks>
public sealed record RestoreContinuation(int Selection, DateTimeOffset At, CatalogWalkPosition? Position)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter<CatalogWalkPhase>(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    public string Encode(IReadOnlyList<string> selections)
    {
        var root = selections[Selection];
        var folder = Position is null ? null
            : Position.Folder.Length == root.Length ? ""
            : root.Length == 0 ? Position.Folder
            : Position.Folder[(root.Length + 1)..];
        return Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Wire(Selection, At, folder, Position?.Phase, Position?.After), Json));
    }

    /// <summary>The continuation a page gave out, or null for the first page; a 400 for anything else.</summary>
    /// <param name="recursive">whether the walk goes below the selected folder; when it does not,
    /// neither may the position</param>
    public static RestoreContinuation? Decode(string? token, IReadOnlyList<string> selections, bool recursive)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(Base64Url.DecodeFromChars(token), Json);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw NotOurs();
        }

        if (wire is null || wire.S < 0 || wire.S >= selections.Count)
        {
            throw NotOurs();
        }

        if (wire.F is null)
        {
            return new RestoreContinuation(wire.S, wire.T, null);
        }

        // A relative path that is a valid catalog path (no "..", no leading '/') stays below its root.
        var below = wire.F.Length == 0 || CatalogPathRules.Refusal(wire.F, "continuation") is null;
        if (!below || (!recursive && wire.F.Length > 0) || wire.P is not { } phase || wire.A is null)
        {
            throw NotOurs();
        }

        var root = selections[wire.S];
        var folder = wire.F.Length == 0 ? root : root.Length == 0 ? wire.F : $"{root}/{wire.F}";
        var position = new CatalogWalkPosition(folder, phase, wire.A);
        return position.IsWellFormed ? new RestoreContinuation(wire.S, wire.T, position) : throw NotOurs();
    }

    private static BackazonException NotOurs() =>
        BackazonException.BadRequest("The continuation token is not one this service gave out.", "continuation");

    /// <summary>The token's JSON: one-letter names keep it short in a query string.</summary>
    private sealed record Wire(
        [property: JsonRequired] int S,
        [property: JsonRequired] DateTimeOffset T,
        string? F,
        CatalogWalkPhase? P,
        string? A);
}
