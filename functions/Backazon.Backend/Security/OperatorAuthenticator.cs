using Backazon.Backend.Configuration;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Security;

/// <summary>Checks the operator key against its configured SHA-256; with none configured, no
/// operator call is allowed (a deployment is closed until an operator sets a key).</summary>
public sealed class OperatorAuthenticator(IOptions<OperatorOptions> options)
{
    public bool IsOperator(string? presented) =>
        !string.IsNullOrEmpty(presented) && Secrets.Matches(presented, options.Value.KeyHash);
}
