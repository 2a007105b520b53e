using System.Security.Cryptography;
using System.Text;

namespace Backazon.Backend.Security;

/// <summary>
/// Random secrets and their hashes. Secrets here are high-entropy (256 bits), so a plain SHA-256
/// is enough to store them safely; a slow password hash would only slow every request.
/// </summary>
public static class Secrets
{
    public static string NewSecret(int bytes = 32) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares a presented secret with a stored hash in constant time.</summary>
    public static bool Matches(string presented, string? storedHash)
    {
        if (string.IsNullOrEmpty(storedHash))
        {
            return false;
        }

        var actual = Encoding.ASCII.GetBytes(Hash(presented));
        var expected = Encoding.ASCII.GetBytes(storedHash.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
