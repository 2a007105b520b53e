namespace Backazon.Backend.Customers;

/// <summary>
/// The one OpenID Connect issuer whose tokens customers sign in with (section "CustomerSignIn"):
/// Microsoft Entra External ID in Azure, the local issuer of Backazon.LocalHost on a machine.
/// With no authority, customer sign-in is off and customer routes answer 401 saying so.
/// </summary>
public sealed class CustomerSignInOptions
{
    /// <summary>The issuer's base address; its keys and issuer name come from
    /// {Authority}/.well-known/openid-configuration, cached and refreshed.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must carry: the API's app registration (client id or App ID URI).</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer name tokens must carry, when it differs from the one discovery publishes.</summary>
    public string? Issuer { get; set; }

    /// <summary>The public client (code flow + PKCE) a web page signs customers in with, and the
    /// scopes it asks for: handed to the page as they are (GET /api/sign-in), never checked here.</summary>
    public string? ClientId { get; set; }
    public string? Scope { get; set; }

    /// <summary>Days an invitation stays valid.</summary>
    public int InvitationDays { get; set; } = 7;

    /// <summary>Seconds a computer waits between polls while its code awaits approval (RFC 8628's interval).</summary>
    public int LinkPollSeconds { get; set; } = 5;

    /// <summary>Link requests (POST /api/devices/link) one client address may make per
    /// <see cref="LinkRequestWindowMinutes"/>, on each instance of the app.</summary>
    public int LinkRequestsPerAddress { get; set; } = 10;

    public int LinkRequestWindowMinutes { get; set; } = 60;

    /// <summary>Link codes not yet expired, across the service, beyond which no new one is made.</summary>
    public int MaxOpenLinkCodes { get; set; } = 1000;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(Audience);
}
