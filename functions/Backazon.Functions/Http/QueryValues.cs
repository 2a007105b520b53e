using System.Globalization;
using Backazon.Backend.Errors;
using Microsoft.Extensions.Primitives;

namespace Backazon.Functions.Http;

/// <summary>Query string values as the routes read them; a malformed one is a 400 naming it.</summary>
public static class QueryValues
{
    public static string? Text(StringValues value) => value.Count == 0 ? null : value.ToString();

    public static DateTimeOffset? At(StringValues value) =>
        value.Count == 0 ? null
        : DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw BackazonException.BadRequest($"'at' must be a date and time such as 2026-11-25T14:00:00Z, not '{value}'.", "at");

    public static bool Flag(StringValues value, string name) =>
        value.Count == 0 ? false
        : bool.TryParse(value.ToString(), out var flag) ? flag
        : throw BackazonException.BadRequest($"'{name}' must be true or false.", name);

    public static int? Number(StringValues value, string name) =>
        value.Count == 0 ? null
        : int.TryParse(value.ToString(), CultureInfo.InvariantCulture, out var n) ? n
        : throw BackazonException.BadRequest($"'{name}' must be a whole number.", name);
}
