using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Devices;
using Backazon.Backend.Errors;
using Backazon.Backend.Operators;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Customers;

/// <summary>
/// Linking a computer by approving a code: RFC 8628's device authorization grant, answered by a
/// signed-in member who sees which computer asks. What the computer receives is what an operator
/// code gives (a Backazon device id and secret), not an OpenID Connect token, so the grant is the
/// backend's own rather than the issuer's. Both codes are stored hashed; each is good once, for
/// ten minutes; polling faster than told is answered slow_down. Both rows stay a day past their
/// expiry (answering "used" or "expired" meanwhile), then <see cref="ExpiredCodeCleaner"/> deletes
/// them. New requests stop while <see cref="CustomerSignInOptions.MaxOpenLinkCodes"/> codes are open.
/// </summary>
public sealed class DeviceLinkService(
    StorageClients storage, AccountStore accounts, EnrollmentService enrollment, DeviceReplacement replacement, PlanCatalog plans, DueIndex due,
    IOptions<CustomerSignInOptions> options, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>RFC 8628 §6.1's alphabet: consonants only, so no look-alikes (0/O, 1/I) and no words.</summary>
    public const string UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";
    public const int UserCodeLength = 8;

    /// <summary>RFC 8628 §3.5: each slow_down adds five seconds to the interval.</summary>
    private const int SlowDownSeconds = 5;

    private readonly TableClient _codes = storage.Tables.GetTableClient(StorageNames.EnrollmentCodesTable);

    public async Task<DeviceAuthorizationResponse> StartAsync(DeviceLinkRequest request, Uri verificationUri, CancellationToken cancellationToken = default)
    {
        var name = AccountService.ValidName(request.DeviceName, "deviceName", required: false) ?? "device";
        var os = EnrollmentService.ValidOs(request.Os);
        var now = clock.GetUtcNow();
        await RefuseWhenFullAsync(now, cancellationToken);
        var deviceCode = Secrets.NewSecret();
        var userCode = NewUserCode();
        var interval = options.Value.LinkPollSeconds;
        var cleanAt = now + Lifetime + ExpiredCodeCleaner.Keep;

        // Their cleaning is recorded before the rows, so no row is left that nothing comes back for.
        await due.AddAsync(DueKinds.LinkCode, cleanAt, [("", Secrets.Hash(deviceCode)), ("", Secrets.Hash(userCode))], cancellationToken);
        await _codes.AddEntityAsync(new DeviceLinkEntity
        {
            PartitionKey = Secrets.Hash(deviceCode),
            DeviceName = name,
            Os = os,
            Replaces = AccountService.ValidName(request.Replaces, "replaces", required: false),
            RequestedAt = now,
            ExpiresAt = now + Lifetime,
            IntervalSeconds = interval,
            State = DeviceLinkStates.Pending,
        }, cancellationToken);

        // 20^8 codes: a clash with a live one is unlikely, and a clash is refused by the key.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _codes.AddEntityAsync(new UserCodeEntity { PartitionKey = Secrets.Hash(userCode), DeviceCodeHash = Secrets.Hash(deviceCode), ExpiresAt = now + Lifetime },
                    cancellationToken);
                var shown = Format(userCode);
                return new DeviceAuthorizationResponse(deviceCode, shown, verificationUri.ToString(),
                    $"{verificationUri}?code={shown}", (int)Lifetime.TotalSeconds, interval);
            }
            catch (RequestFailedException e) when (e.Status == 409 && attempt < 5)
            {
                // An old row of the same code (used or expired, or live): draw again.
                userCode = NewUserCode();
                await due.AddAsync(DueKinds.LinkCode, cleanAt, [("", Secrets.Hash(userCode))], cancellationToken);
            }
        }
    }

    /// <summary>
    /// The bound that holds however many instances serve requests (each instance's
    /// <see cref="LinkRequestLimiter"/> counts only its own): the codes not yet expired, counted by
    /// their cleaning rows (two per request) in a read bounded by the ceiling (only the last ten
    /// minutes' partitions hold such rows); when the ceiling is reached, the
    /// caller hears when the oldest expires.
    /// </summary>
    private async Task RefuseWhenFullAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ceiling = options.Value.MaxOpenLinkCodes;
        var open = await due.LaterAsync(DueKinds.LinkCode, now + ExpiredCodeCleaner.Keep, 2 * ceiling, cancellationToken);
        if (open.Count >= 2 * ceiling)
        {
            var wait = open.Min() - ExpiredCodeCleaner.Keep - now;
            throw BackazonException.TooMany(
                $"Too many computers are waiting to be linked right now ({ceiling:N0} codes are open). Try again in {Math.Max(1, Math.Ceiling(wait.TotalMinutes))} minute(s).",
                wait);
        }
    }

    private static string NewUserCode() => RandomNumberGenerator.GetString(UserCodeAlphabet, UserCodeLength);

    /// <summary>The computer's poll: its credentials once approved, otherwise RFC 8628's error.</summary>
    public async Task<EnrollResponse> PollAsync(DeviceTokenRequest request, CancellationToken cancellationToken = default)
    {
        if (request.GrantType != DeviceLinkErrors.GrantType)
        {
            throw BackazonException.BadRequest($"'grant_type' must be '{DeviceLinkErrors.GrantType}'.", "grant_type");
        }

        var deviceCode = BackazonException.Require(request.DeviceCode, "device_code");
        var found = await _codes.GetEntityIfExistsAsync<DeviceLinkEntity>(Secrets.Hash(deviceCode), DeviceLinkEntity.Row, cancellationToken: cancellationToken);
        var link = found.HasValue ? found.Value! : throw Error(DeviceLinkErrors.InvalidGrant, "This link request is not known; run 'backazon enroll' again.");
        var now = clock.GetUtcNow();
        if (link.State == DeviceLinkStates.Done)
        {
            throw link.Refusal is { } refusal
                ? Error(DeviceLinkErrors.AccessDenied, refusal)
                : Error(DeviceLinkErrors.InvalidGrant, "This code was already used to link a computer; run 'backazon enroll' again.");
        }

        if (now >= link.ExpiresAt)
        {
            throw Error(DeviceLinkErrors.ExpiredToken, "The code expired before anyone approved it; run 'backazon enroll' again for a new one.");
        }

        if (link.State == DeviceLinkStates.Denied)
        {
            throw Error(DeviceLinkErrors.AccessDenied, "The request to link this computer was denied.");
        }

        if (link.State == DeviceLinkStates.Pending)
        {
            var tooSoon = link.LastPolledAt is { } last && now - last < TimeSpan.FromSeconds(link.IntervalSeconds);
            if (tooSoon)
            {
                link.IntervalSeconds += SlowDownSeconds;
            }

            link.LastPolledAt = now;
            try
            {
                await _codes.UpdateEntityAsync(link, link.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Approved or denied meanwhile: the next poll sees it.
            }

            throw tooSoon
                ? Error(DeviceLinkErrors.SlowDown, $"Polling too fast: wait {link.IntervalSeconds} seconds between polls.")
                : Error(DeviceLinkErrors.AuthorizationPending, "Waiting for a member of the account to approve this computer.");
        }

        // Approved: spend the request first (ETag: of two racing polls, one gets the device).
        var deviceId = link.ReplacesDeviceId ?? Secrets.NewId();
        var secret = Secrets.NewSecret();
        string? replacedName = null;
        link.State = DeviceLinkStates.Done;
        link.DeviceId = deviceId;
        try
        {
            await _codes.UpdateEntityAsync(link, link.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw Error(DeviceLinkErrors.InvalidGrant, "This code was already used to link a computer; run 'backazon enroll' again.");
        }

        try
        {
            if (link.ReplacesDeviceId is null)
            {
                await enrollment.AddDeviceAsync(link.AccountId!, deviceId, link.DeviceName, link.Os, secret, now, cancellationToken);
            }
            else
            {
                replacedName = await replacement.ReplaceAsync(link.AccountId!, deviceId, link.DeviceName, link.Os, secret, now, cancellationToken);
            }
        }
        catch (BackazonException e)
        {
            // The plan filled up (or the account closed) since the approval: say so, now and on
            // every later poll.
            link.DeviceId = null;
            link.Refusal = e.Detail;
            await _codes.UpdateEntityAsync(link, ETag.All, TableUpdateMode.Replace, CancellationToken.None);
            throw Error(DeviceLinkErrors.AccessDenied, e.Detail);
        }

        return new EnrollResponse(link.AccountId!, deviceId, link.DeviceName, new DeviceToken(link.AccountId!, deviceId, secret).ToString(), replacedName);
    }

    /// <summary>What a signed-in member sees before approving: the computer's name, OS and when it asked.</summary>
    public async Task<DeviceLinkView> GetAsync(string userCode, CancellationToken cancellationToken = default)
    {
        var (code, link) = await FindAsync(userCode, cancellationToken);
        return View(code, link);
    }

    /// <param name="replaces">the id (or name) of the account's computer the new one takes over;
    /// null: the one the computer asked to replace, if it asked, otherwise none.</param>
    public Task<DeviceLinkView> ApproveAsync(CustomerCaller caller, string userCode, string? replaces = null, CancellationToken cancellationToken = default) =>
        DecideAsync(caller, userCode, approve: true, replaces, cancellationToken);

    public Task<DeviceLinkView> DenyAsync(CustomerCaller caller, string userCode, CancellationToken cancellationToken = default) =>
        DecideAsync(caller, userCode, approve: false, null, cancellationToken);

    private async Task<DeviceLinkView> DecideAsync(CustomerCaller caller, string userCode, bool approve, string? replaces, CancellationToken cancellationToken)
    {
        var (code, link) = await FindAsync(userCode, cancellationToken);
        if (link.State != DeviceLinkStates.Pending)
        {
            throw BackazonException.Conflict($"This code was already {(link.State == DeviceLinkStates.Denied ? "denied" : "answered")}.");
        }

        if (approve)
        {
            // Checked here so the member hears it at once; the device's own transaction checks again.
            var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
            if (account.Status is AccountStatuses.Canceled or AccountStatuses.Purged)
            {
                throw BackazonException.Conflict($"The account is {account.Status}; no computer can be linked to it.");
            }

            // Taking a computer over adds no device (unless it was revoked: checked when it is taken).
            var target = string.IsNullOrWhiteSpace(replaces) ? link.Replaces : replaces.Trim();
            link.ReplacesDeviceId = target is null ? null : (await replacement.FindAsync(caller.AccountId, target, cancellationToken)).DeviceId;
            var plan = plans.Get(account.PlanId);
            if (link.ReplacesDeviceId is null && account.ActiveDevices >= plan.DeviceLimit)
            {
                // Both people hear it: the member now, the computer at its next poll (which ends
                // its wait rather than have it poll until the code expires).
                var full = $"The {plan.DisplayName} plan allows {plan.DeviceLimit} device(s) and {account.ActiveDevices} are enrolled; " +
                    "revoke one, then run 'backazon enroll' again.";
                link.State = DeviceLinkStates.Done;
                link.Refusal = full;
                await _codes.UpdateEntityAsync(link, ETag.All, TableUpdateMode.Replace, cancellationToken);
                throw BackazonException.Conflict(full);
            }

            link.AccountId = caller.AccountId;
            link.ApprovedByMember = caller.MemberId;
        }

        link.State = approve ? DeviceLinkStates.Approved : DeviceLinkStates.Denied;
        try
        {
            await _codes.UpdateEntityAsync(link, link.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // A poll wrote its time, or another member decided: read again once.
            var again = await FindAsync(userCode, cancellationToken);
            if (again.Link.State != DeviceLinkStates.Pending)
            {
                throw BackazonException.Conflict("This code was already answered by someone else.");
            }

            again.Link.State = link.State;
            again.Link.AccountId = link.AccountId;
            again.Link.ApprovedByMember = link.ApprovedByMember;
            again.Link.ReplacesDeviceId = link.ReplacesDeviceId;
            await _codes.UpdateEntityAsync(again.Link, again.Link.ETag, TableUpdateMode.Replace, cancellationToken);
            link = again.Link;
        }

        return View(code, link);
    }

    private async Task<(string Code, DeviceLinkEntity Link)> FindAsync(string userCode, CancellationToken cancellationToken)
    {
        var normalized = new string([.. (userCode ?? "").Where(c => c is not ('-' or ' ')).Select(char.ToUpperInvariant)]);
        var code = Format(normalized);
        var notFound = new BackazonException(ProblemKind.NotFound, "Not found.",
            "No computer is waiting with that code; check the code the computer shows.");
        if (normalized.Length != UserCodeLength || normalized.Any(c => !UserCodeAlphabet.Contains(c)))
        {
            throw notFound;
        }

        var pointer = await _codes.GetEntityIfExistsAsync<UserCodeEntity>(Secrets.Hash(normalized), UserCodeEntity.Row, cancellationToken: cancellationToken);
        if (!pointer.HasValue)
        {
            throw notFound;
        }

        if (pointer.Value!.ExpiresAt <= clock.GetUtcNow())
        {
            throw new BackazonException(ProblemKind.Gone, "The code expired.",
                $"This code expired at {pointer.Value.ExpiresAt:u}; run 'backazon enroll' on the computer again for a new one.");
        }

        var link = await _codes.GetEntityIfExistsAsync<DeviceLinkEntity>(pointer.Value.DeviceCodeHash, DeviceLinkEntity.Row, cancellationToken: cancellationToken);
        return link.HasValue ? (code, link.Value!) : throw notFound;
    }

    private static DeviceLinkView View(string code, DeviceLinkEntity link) =>
        new(code, link.DeviceName, link.Os, link.RequestedAt, link.ExpiresAt, link.State, link.Replaces);

    private static BackazonException Error(string error, string detail) =>
        new(ProblemKind.BadRequest, "The computer is not linked.", detail) { Error = error };

    private static string Format(string code) => code.Length == UserCodeLength ? $"{code[..4]}-{code[4..]}" : code;
}
