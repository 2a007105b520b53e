namespace Backazon.Backend.Errors;

/// <summary>What went wrong, in terms a caller can act on; the HTTP layer maps it to a status code.</summary>
public enum ProblemKind
{
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    PayloadTooLarge,

    /// <summary>Nothing was done, and trying again shortly will do (HTTP 503 with Retry-After).</summary>
    Busy,

    /// <summary>Too many requests of this kind for now (HTTP 429); <see cref="BackazonException.RetryAfter"/>
    /// says when one will be taken again.</summary>
    TooManyRequests,
}

/// <summary>
/// A refusal with a reason a person can act on. Thrown before anything is changed, so the
/// caller can rely on "refused" meaning "nothing happened".
/// </summary>
public sealed class BackazonException(ProblemKind kind, string title, string detail, string? field = null)
    : Exception(detail)
{
    public ProblemKind Kind { get; } = kind;
    public string Title { get; } = title;
    public string Detail { get; } = detail;

    /// <summary>The request field at fault, when one is (JSON name, e.g. "code").</summary>
    public string? Field { get; } = field;

    /// <summary>A machine-readable code where a protocol names one (RFC 8628's "slow_down", say).</summary>
    public string? Error { get; init; }

    /// <summary>How long to wait before trying again, when it is known (sent as Retry-After).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static BackazonException TooMany(string detail, TimeSpan retryAfter) =>
        new(ProblemKind.TooManyRequests, "Too many requests.", detail) { RetryAfter = retryAfter };

    public static BackazonException BadRequest(string detail, string? field = null) =>
        new(ProblemKind.BadRequest, "The request is not valid.", detail, field);

    public static BackazonException NotFound(string what) =>
        new(ProblemKind.NotFound, "Not found.", $"{what} was not found.");

    public static BackazonException Conflict(string detail) =>
        new(ProblemKind.Conflict, "The request conflicts with the current state.", detail);

    public static BackazonException Busy(string detail) =>
        new(ProblemKind.Busy, "The service is busy.", detail);

    /// <summary>Requires a non-empty value, or reports the field by name.</summary>
    public static string Require(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw BadRequest($"The field '{field}' is required.", field) : value;
}
