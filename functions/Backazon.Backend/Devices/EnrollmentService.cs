using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Operators;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Devices;

/// <summary>Issues single-use enrollment codes and trades them for device identities.</summary>
public sealed class EnrollmentService(StorageClients storage, AccountStore accounts, PlanCatalog plans, DeviceReplacement replacement, TimeProvider clock)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromHours(24);

    // No 0/O, 1/I/L, U: codes are read aloud and typed by people.
    private const string CodeAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
    private const int CodeLength = 16;

    private readonly TableClient _codes = storage.Tables.GetTableClient(StorageNames.EnrollmentCodesTable);

    public async Task<EnrollmentCodeView> CreateCodeAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var account = await accounts.GetAccountAsync(accountId, cancellationToken);
        if (account.Status == AccountStatuses.Canceled)
        {
            throw BackazonException.Conflict("The account is canceled; reactivate it before enrolling devices.");
        }

        var code = RandomNumberGenerator.GetString(CodeAlphabet, CodeLength);
        var expiresAt = clock.GetUtcNow() + CodeLifetime;
        await _codes.AddEntityAsync(
            new EnrollmentCodeEntity { PartitionKey = Secrets.Hash(code), AccountId = accountId, ExpiresAt = expiresAt },
            cancellationToken);
        return new EnrollmentCodeView(Format(code), accountId, expiresAt);
    }

    public async Task<EnrollResponse> EnrollAsync(EnrollRequest request, CancellationToken cancellationToken = default)
    {
        var code = Normalize(BackazonException.Require(request.Code, "code"));
        var deviceName = AccountService.ValidName(request.DeviceName, "deviceName", required: false) ?? "device";
        var now = clock.GetUtcNow();

        var found = await _codes.GetEntityIfExistsAsync<EnrollmentCodeEntity>(Secrets.Hash(code), "code", cancellationToken: cancellationToken);
        var entry = found.HasValue ? found.Value! : throw CodeRefused("This enrollment code is not valid. Check it, or ask for a new one.");
        if (entry.UsedAt is not null)
        {
            throw CodeRefused("This enrollment code has already been used. Ask for a new one.");
        }

        if (entry.ExpiresAt <= now)
        {
            throw CodeRefused($"This enrollment code expired at {entry.ExpiresAt:u}. Ask for a new one.");
        }

        // The computer to take over is found before the code is spent, so a wrong name costs nothing.
        var replaced = string.IsNullOrWhiteSpace(request.Replaces) ? null
            : await replacement.FindAsync(entry.AccountId, request.Replaces.Trim(), cancellationToken);
        var deviceId = replaced?.DeviceId ?? Secrets.NewId();
        var secret = Secrets.NewSecret();
        string? replacedName = null;

        // Spend the code first (ETag: of two racing redemptions, one wins), then add the device.
        entry.UsedAt = now;
        entry.UsedByDevice = deviceId;
        try
        {
            await _codes.UpdateEntityAsync(entry, entry.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw CodeRefused("This enrollment code has already been used. Ask for a new one.");
        }

        try
        {
            if (replaced is null)
            {
                await AddDeviceAsync(entry.AccountId, deviceId, deviceName, ValidOs(request.Os), secret, now, cancellationToken);
            }
            else
            {
                replacedName = await replacement.ReplaceAsync(entry.AccountId, deviceId, deviceName, ValidOs(request.Os), secret, now, cancellationToken);
            }
        }
        catch (BackazonException)
        {
            // Refused (device limit, canceled account): give the code back, nothing else changed.
            entry.UsedAt = null;
            entry.UsedByDevice = null;
            await _codes.UpdateEntityAsync(entry, ETag.All, TableUpdateMode.Replace, CancellationToken.None);
            throw;
        }

        return new EnrollResponse(entry.AccountId, deviceId, deviceName, new DeviceToken(entry.AccountId, deviceId, secret).ToString(), replacedName);
    }

    /// <summary>Adds a device to an account within its plan's device limit (also used by a
    /// computer linked by a member's approval); refusals are BackazonExceptions, nothing written.</summary>
    public Task AddDeviceAsync(string accountId, string deviceId, string name, string? os, string secret, DateTimeOffset now, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var account = await accounts.GetAccountAsync(accountId, ct);
            if (account.Status == AccountStatuses.Canceled)
            {
                throw BackazonException.Conflict("The account is canceled; no device can be enrolled.");
            }

            var plan = plans.Get(account.PlanId);
            if (account.ActiveDevices >= plan.DeviceLimit)
            {
                throw BackazonException.Conflict(
                    $"The {plan.DisplayName} plan allows {plan.DeviceLimit} device(s) and {account.ActiveDevices} are enrolled. " +
                    "Revoke a device or change the plan, then enroll again with the same code.");
            }

            account.ActiveDevices++;
            var device = new DeviceEntity
            {
                PartitionKey = accountId,
                RowKey = DeviceEntity.RowFor(deviceId),
                Name = name,
                Os = os,
                SecretHash = Secrets.Hash(secret),
                EnrolledAt = now,
            };
            try
            {
                // The count and the device in one transaction, guarded by the account's ETag, so
                // two enrollments at once cannot pass the device limit.
                await accounts.Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, account, account.ETag),
                    new TableTransactionAction(TableTransactionActionType.Add, device),
                ], ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 412)
            {
                // Another change to the account won the race: count again.
                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);

    /// <summary>An operating system's name as a computer reports it: optional, short, printable.</summary>
    public static string? ValidOs(string? os) =>
        string.IsNullOrWhiteSpace(os) ? null
        : os.Length <= 100 && !os.Any(char.IsControl) ? os.Trim()
        : throw BackazonException.BadRequest("The field 'os' must be at most 100 characters with no control characters.", "os");

    private static BackazonException CodeRefused(string detail) =>
        new(ProblemKind.BadRequest, "The enrollment code was refused.", detail, "code");

    private static string Normalize(string code) =>
        new(code.Where(c => c is not ('-' or ' ')).Select(char.ToUpperInvariant).ToArray());

    private static string Format(string code) => string.Join('-', code.Chunk(4).Select(c => new string(c)));
}
