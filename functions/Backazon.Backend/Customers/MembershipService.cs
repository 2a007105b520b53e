using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Customers;

/// <summary>
/// The people of accounts: the operator invites by e-mail (a single-use token that expires); the
/// first sign-in that accepts it binds that identity to the account; the operator lists and
/// removes members. Backazon never sees a password: identities are the issuer's.
/// </summary>
public sealed class MembershipService(StorageClients storage, AccountStore accounts, DueIndex due, IOptions<CustomerSignInOptions> options, TimeProvider clock)
{
    private const int MaxEmailLength = 254;

    private readonly TableClient _codes = storage.Tables.GetTableClient(StorageNames.EnrollmentCodesTable);
    private readonly TableClient _identities = storage.Tables.GetTableClient(StorageNames.MembersTable);

    /// <summary>A new invitation; <paramref name="linkBase"/> is where the customer opens it.</summary>
    public async Task<InvitationView> InviteAsync(string accountId, CreateInvitationRequest request, Uri linkBase, CancellationToken cancellationToken = default)
    {
        var email = ValidEmail(request.Email);
        var account = await accounts.GetAccountAsync(accountId, cancellationToken);
        if (account.Status is AccountStatuses.Canceled or AccountStatuses.Purged)
        {
            throw BackazonException.Conflict($"The account is {account.Status}; reactivate it before inviting people.");
        }

        var token = Secrets.NewSecret();
        var expiresAt = clock.GetUtcNow().AddDays(options.Value.InvitationDays);
        await due.AddAsync(DueKinds.Invitation, expiresAt + ExpiredCodeCleaner.Keep, [(accountId, Secrets.Hash(token))], cancellationToken);
        await _codes.AddEntityAsync(new InvitationEntity
        {
            PartitionKey = Secrets.Hash(token),
            AccountId = accountId,
            Email = email,
            ExpiresAt = expiresAt,
        }, cancellationToken);
        // The web page's invitation screen: the person signs in there and accepts.
        var link = new Uri(linkBase, "api/web/#/invite?token=" + Uri.EscapeDataString(token));
        return new InvitationView(accountId, email, token, link.ToString(), expiresAt);
    }

    /// <summary>Binds the signed-in identity to the invitation's account. Refused, with nothing
    /// changed, when the invitation is unknown, used or expired, or the identity has an account.</summary>
    public async Task<MemberView> AcceptAsync(CustomerIdentity identity, AcceptInvitationRequest request, CancellationToken cancellationToken = default)
    {
        var token = BackazonException.Require(request.Token, "token").Trim();
        var now = clock.GetUtcNow();
        var found = await _codes.GetEntityIfExistsAsync<InvitationEntity>(Secrets.Hash(token), InvitationEntity.Row, cancellationToken: cancellationToken);
        var invitation = found.HasValue ? found.Value! : throw Refused("This invitation is not valid. Check the link, or ask for a new one.");
        if (invitation.UsedAt is not null)
        {
            throw Refused("This invitation has already been used. Ask for a new one.");
        }

        if (invitation.ExpiresAt <= now)
        {
            throw Refused($"This invitation expired at {invitation.ExpiresAt:u}. Ask for a new one.");
        }

        var identityKey = IdentityEntity.KeyFor(identity.Issuer, identity.Subject);
        if (await FindIdentityAsync(identityKey, cancellationToken) is { } bound)
        {
            throw BackazonException.Conflict(bound.AccountId == invitation.AccountId
                ? "You are already a member of this account."
                : "This sign-in already belongs to another Backazon account; sign in with another identity to accept this invitation.");
        }

        var account = await accounts.GetAccountAsync(invitation.AccountId, cancellationToken);
        if (account.Status is AccountStatuses.Purged)
        {
            throw Refused("The account of this invitation no longer exists.");
        }

        // Spend the invitation first (ETag: of two racing acceptances, one wins), then bind.
        var memberId = Secrets.NewId();
        invitation.UsedAt = now;
        invitation.UsedByMember = memberId;
        try
        {
            await _codes.UpdateEntityAsync(invitation, invitation.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw Refused("This invitation has already been used. Ask for a new one.");
        }

        try
        {
            // The identity row's key is the identity: a second binding of it cannot be added.
            await _identities.AddEntityAsync(new IdentityEntity
            {
                PartitionKey = identityKey,
                AccountId = invitation.AccountId,
                MemberId = memberId,
                Issuer = identity.Issuer,
                Subject = identity.Subject,
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            invitation.UsedAt = null;
            invitation.UsedByMember = null;
            await _codes.UpdateEntityAsync(invitation, ETag.All, TableUpdateMode.Replace, CancellationToken.None);
            throw BackazonException.Conflict("This sign-in already belongs to a Backazon account; sign in with another identity to accept this invitation.");
        }

        var member = new MemberEntity
        {
            PartitionKey = invitation.AccountId,
            RowKey = MemberEntity.RowFor(memberId),
            Email = invitation.Email,
            Issuer = identity.Issuer,
            IdentityKey = identityKey,
            JoinedAt = now,
        };
        await accounts.Table.AddEntityAsync(member, cancellationToken);
        return View(member);
    }

    public async Task<CustomerCaller?> FindCallerAsync(CustomerIdentity identity, CancellationToken cancellationToken = default) =>
        await FindIdentityAsync(IdentityEntity.KeyFor(identity.Issuer, identity.Subject), cancellationToken) is { } bound
            ? new CustomerCaller(bound.AccountId, bound.MemberId, identity)
            : null;

    public async Task<MemberView> GetAsync(CustomerCaller caller, CancellationToken cancellationToken = default)
    {
        var found = await accounts.Table.GetEntityIfExistsAsync<MemberEntity>(caller.AccountId, MemberEntity.RowFor(caller.MemberId), cancellationToken: cancellationToken);
        return found.HasValue ? View(found.Value!) : throw BackazonException.NotFound("The member");
    }

    public async Task<IReadOnlyList<MemberView>> ListAsync(string accountId, CancellationToken cancellationToken = default)
    {
        await accounts.GetAccountAsync(accountId, cancellationToken);
        var members = new List<MemberView>();
        // Row keys "member:..." sort between "member:" and "member;" (';' follows ':').
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {MemberEntity.RowPrefix} and RowKey lt {"member;"}");
        await foreach (var member in accounts.Table.QueryAsync<MemberEntity>(filter, cancellationToken: cancellationToken))
        {
            members.Add(View(member));
        }

        return [.. members.OrderBy(m => m.JoinedAt)];
    }

    /// <summary>Removes a member: their sign-in stops reaching the account at once (the identity
    /// row goes first, and it is what every call reads). The devices they linked stay.</summary>
    public async Task RemoveAsync(string accountId, string memberId, CancellationToken cancellationToken = default)
    {
        await accounts.GetAccountAsync(accountId, cancellationToken);
        var found = DeviceToken.IsId(memberId)
            ? await accounts.Table.GetEntityIfExistsAsync<MemberEntity>(accountId, MemberEntity.RowFor(memberId), cancellationToken: cancellationToken)
            : null;
        var member = found is { HasValue: true } ? found.Value! : throw BackazonException.NotFound("The member");
        await _identities.DeleteEntityAsync(member.IdentityKey, IdentityEntity.Row, ETag.All, cancellationToken);
        await accounts.Table.DeleteEntityAsync(accountId, member.RowKey, ETag.All, cancellationToken);
    }

    private async Task<IdentityEntity?> FindIdentityAsync(string identityKey, CancellationToken cancellationToken)
    {
        var found = await _identities.GetEntityIfExistsAsync<IdentityEntity>(identityKey, IdentityEntity.Row, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    private static string ValidEmail(string? value)
    {
        var email = BackazonException.Require(value, "email").Trim();
        if (email.Length > MaxEmailLength || !System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
        {
            throw BackazonException.BadRequest($"'{(email.Length > 60 ? email[..60] + "..." : email)}' is not an e-mail address.", "email");
        }

        return email;
    }

    private static MemberView View(MemberEntity member) =>
        new(member.MemberId, member.PartitionKey, member.Email, member.Issuer, member.JoinedAt);

    private static BackazonException Refused(string detail) =>
        new(ProblemKind.BadRequest, "The invitation was refused.", detail, "token");
}
