namespace Backazon.Backend.Security;

/// <summary>
/// The bearer token a device carries: "bkz1.{accountId}.{deviceId}.{secret}". The ids make the
/// lookup a single point read; only the secret's hash is stored.
/// </summary>
public sealed record DeviceToken(string AccountId, string DeviceId, string Secret)
{
    private const string Prefix = "bkz1";

    public override string ToString() => $"{Prefix}.{AccountId}.{DeviceId}.{Secret}";

    public static bool TryParse(string? value, out DeviceToken token)
    {
        token = null!;
        var parts = value?.Split('.');
        if (parts is not [Prefix, var account, var device, var secret]
            || !IsId(account) || !IsId(device) || secret.Length is < 20 or > 100)
        {
            return false;
        }

        token = new DeviceToken(account, device, secret);
        return true;
    }

    // Ids are lowercase hex (Secrets.NewId); anything else cannot name a table row safely.
    public static bool IsId(string? value) =>
        value is { Length: 24 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
