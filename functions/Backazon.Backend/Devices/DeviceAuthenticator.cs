using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Security;

namespace Backazon.Backend.Devices;

/// <summary>Turns a presented device token into a caller, or nothing: unknown, forged and revoked
/// tokens look the same from outside.</summary>
public sealed class DeviceAuthenticator(AccountStore accounts, TimeProvider clock)
{
    // "Last seen" is written at most this often, so authentication is nearly always one read.
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(10);

    public async Task<DeviceCaller?> AuthenticateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (!DeviceToken.TryParse(token, out var parsed))
        {
            return null;
        }

        var device = await accounts.FindDeviceAsync(parsed.AccountId, parsed.DeviceId, cancellationToken);
        if (device is null || device.RevokedAt is not null || !Secrets.Matches(parsed.Secret, device.SecretHash))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (device.LastSeenAt is null || now - device.LastSeenAt > LastSeenResolution)
        {
            device.LastSeenAt = now;
            try
            {
                await accounts.Table.UpdateEntityAsync(device, device.ETag, TableUpdateMode.Merge, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // A concurrent call or a revocation wrote first; theirs stands.
            }
        }

        return new DeviceCaller(parsed.AccountId, parsed.DeviceId, device.RejectedUploads);
    }
}
