namespace Backazon.Uploader.Api;

/// <summary>The backend refused or could not be reached; the message is one sentence for a person.</summary>
public sealed class BackazonApiException(string message, int? status = null) : Exception(message)
{
    public int? Status { get; } = status;

    /// <summary>The answer's protocol error code, where it has one (RFC 8628's "slow_down", say).</summary>
    public string? Error { get; init; }
}
