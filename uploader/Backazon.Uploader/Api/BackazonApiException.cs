namespace Backazon.Uploader.Api;

/// <summary>The backend refused or could not be reached; the message is one sentence for a person.</summary>
public sealed class BackazonApiException(string message, int? status = null) : Exception(message)
{
    public int? Status { get; } = status;
}
