using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Security;

namespace Backazon.Backend.Devices;

/// <summary>Turns a presented device token into a caller, or nothing: unknown and forged tokens
/// look the same from outside; a revoked or replaced device that still presents its own secret can be told
/// (<see cref="WhyRefusedAsync"/>).</summary>
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

        return new DeviceCaller(parsed.AccountId, parsed.DeviceId, device.RejectedUploadsAt(now));
    }

    /// <summary>Why a token that failed authentication is refused, when it is a revoked or replaced
    /// device's own (its secret matches): said only to the holder of that secret, and asked only
    /// after authentication failed, so a valid call costs no extra read. Null: unknown or forged.</summary>
    public async Task<string?> WhyRefusedAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (!DeviceToken.TryParse(token, out var parsed)
            || await accounts.FindDeviceAsync(parsed.AccountId, parsed.DeviceId, cancellationToken) is not { } device)
        {
            return null;
        }

        if (device.ReplacedSecretHash is { } replaced && Secrets.Matches(parsed.Secret, replaced))
        {
            return $"This computer was replaced by '{device.Name}' on {device.ReplacedAt:u}, which carries on its backups, " +
                "so it can no longer back up or restore as this device; run 'backazon enroll --force' to enroll it as a computer of its own.";
        }

        return device.RevokedAt is not null && Secrets.Matches(parsed.Secret, device.SecretHash)
            ? "This device was revoked by the operator; enroll it again with a new code."
            : null;
    }
}
