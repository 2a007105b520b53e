namespace Backazon.Backend.Configuration;

/// <summary>Lifetimes of signed URLs (section "Sas").</summary>
public sealed class SasOptions
{
    public int UploadMinutes { get; set; } = 15;
    public int DownloadHours { get; set; } = 8;
}

/// <summary>The operator credential (section "Operator"): only the key's SHA-256 is configured.</summary>
public sealed class OperatorOptions
{
    public string? KeyHash { get; set; }
}
