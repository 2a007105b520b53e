using Backazon.Backend.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Customers;

/// <summary>
/// Turns a customer's bearer token into "this account, this member", as DeviceAuthenticator does
/// for device tokens: the JWT bearer handler validates the token (<see cref="CustomerSignIn"/>),
/// then one point read finds the account the identity was bound to by an invitation.
/// </summary>
public sealed class CustomerAuthenticator(
    IOptions<CustomerSignInOptions> options, IOptionsMonitor<JwtBearerOptions> jwtOptions, MembershipService members, ILogger<CustomerAuthenticator> logger)
{
    /// <summary>The signed-in identity, whether or not it belongs to an account yet; 401 otherwise.</summary>
    public async Task<CustomerIdentity> IdentifyAsync(HttpContext context)
    {
        if (!options.Value.Enabled)
        {
            throw new BackazonException(ProblemKind.Unauthorized, "Customer sign-in is off.",
                "This server has no customer sign-in configured; the operator sets CustomerSignIn__Authority and CustomerSignIn__Audience.");
        }

        AuthenticateResult result;
        try
        {
            result = await context.AuthenticateAsync(CustomerSignIn.Scheme);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            throw Unreachable(e);
        }

        if (result.Failure is not null)
        {
            // A refused token may only mean the issuer's keys could not be read: ask the handler's
            // configuration manager (a cached answer, unless it has none).
            if (jwtOptions.Get(CustomerSignIn.Scheme).ConfigurationManager is { } configuration)
            {
                try
                {
                    await configuration.GetConfigurationAsync(context.RequestAborted);
                }
                catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
                {
                    throw Unreachable(e);
                }
            }

            // Why a token failed (expired, wrong audience, unknown key) is for our log; the caller
            // is told the one thing it can do about it.
            logger.LogInformation("Customer token refused: {Reason}", result.Failure.GetType().Name);
        }

        var principal = result.Succeeded ? result.Principal : null;
        var subject = principal?.FindFirst("sub");
        var issuer = principal?.FindFirst("iss")?.Value ?? subject?.Issuer;
        if (subject is null || string.IsNullOrEmpty(subject.Value) || string.IsNullOrEmpty(issuer))
        {
            throw new BackazonException(ProblemKind.Unauthorized, "Not signed in.",
                "A valid sign-in token is required (Authorization: Bearer ...); sign in again.");
        }

        return new CustomerIdentity(issuer, subject.Value, principal!.FindFirst("email")?.Value);
    }

    /// <summary>The issuer's discovery document or keys could not be read (and none are cached):
    /// the token may be fine, so this is not the caller's to fix.</summary>
    private BackazonException Unreachable(Exception e)
    {
        logger.LogWarning(e, "The customer sign-in issuer could not be reached.");
        return BackazonException.Busy("The sign-in service cannot be reached right now; try again in a moment.");
    }

    /// <summary>The member the token signs in, or 401 (no valid token) / 403 (an identity that
    /// belongs to no account).</summary>
    public async Task<CustomerCaller> AuthenticateAsync(HttpContext context)
    {
        var identity = await IdentifyAsync(context);
        return await members.FindCallerAsync(identity, context.RequestAborted)
            ?? throw new BackazonException(ProblemKind.Forbidden, "Not a member of any account.",
                "You are signed in but not a member of any Backazon account; open the invitation link you were sent.");
    }
}
