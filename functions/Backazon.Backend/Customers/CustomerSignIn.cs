using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Customers;

/// <summary>
/// Customer tokens are validated by ASP.NET Core's JWT bearer handler under a scheme of their own:
/// signature against the issuer's published keys (discovery, cached and refreshed by its
/// ConfigurationManager, refetched when a token names an unknown key), issuer, audience and
/// lifetime. The handler is asked explicitly by <see cref="CustomerAuthenticator"/> on customer
/// routes only, so device and operator calls never touch the issuer.
/// </summary>
public static class CustomerSignIn
{
    public const string Scheme = "BackazonCustomer";

    /// <summary>Tolerated clock difference between the issuer and us.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    public static IServiceCollection AddCustomerSignIn(this IServiceCollection services)
    {
        services.AddOptions<CustomerSignInOptions>().BindConfiguration("CustomerSignIn")
            .Validate(o => o.InvitationDays is >= 1 and <= 90 && o.LinkPollSeconds is >= 1 and <= 60, "CustomerSignIn:InvitationDays must be 1..90 and CustomerSignIn:LinkPollSeconds 1..60.")
            .Validate(o => o.LinkRequestsPerAddress >= 1 && o.LinkRequestWindowMinutes is >= 1 and <= 1440 && o.MaxOpenLinkCodes >= 1,
                "CustomerSignIn:LinkRequestsPerAddress and MaxOpenLinkCodes must be at least 1, and LinkRequestWindowMinutes 1..1440.");
        services.AddAuthentication().AddJwtBearer(Scheme, _ => { });

        // Configure, not a lambda at AddJwtBearer: the sign-in options are read when the handler
        // first runs, so a host may settle them after start (the local one listens on port 0).
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<IOptions<CustomerSignInOptions>>((jwt, signIn) =>
        {
            var options = signIn.Value;
            if (!options.Enabled)
            {
                return;
            }

            jwt.Authority = options.Authority;
            jwt.Audience = options.Audience;
            // Plain HTTP only for an issuer on this machine (the local stand-in).
            jwt.RequireHttpsMetadata = !Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || !authority.IsLoopback;
            // Claims keep their JWT names ("sub", "iss", "email"): they are what identities are bound by.
            jwt.MapInboundClaims = false;
            var parameters = jwt.TokenValidationParameters;
            parameters.ValidateIssuer = true;
            parameters.ValidateAudience = true;
            parameters.ValidAudience = options.Audience;
            parameters.ValidateLifetime = true;
            parameters.RequireExpirationTime = true;
            parameters.RequireSignedTokens = true;
            parameters.ValidateIssuerSigningKey = true;
            parameters.ClockSkew = ClockSkew;
            if (!string.IsNullOrWhiteSpace(options.Issuer))
            {
                parameters.ValidIssuer = options.Issuer;
            }
        });
        return services;
    }
}
