namespace Backazon.LocalHost.LocalIssuer;

/// <summary>The local issuer's test users and client (section "LocalIssuer").</summary>
public sealed class LocalIssuerOptions
{
    /// <summary>The public client a local web page or a test signs in with (code flow + PKCE).</summary>
    public const string ClientId = "backazon-local";

    /// <summary>The audience of the access tokens it issues (CustomerSignIn:Audience locally).</summary>
    public const string Audience = "backazon-api";

    /// <summary>The scope a client asks for to call the customer API.</summary>
    public const string ApiScope = "backazon";

    /// <summary>Redirect path on this server (a future web page's), registered for the client.</summary>
    public const string SignedInPath = "/signed-in";

    /// <summary>The web page (served by the backend), which is its own redirect URI.</summary>
    public const string WebPagePath = "/api/web/";

    /// <summary>Test users by name. Passwords live in the local issuer's settings only: Backazon's
    /// backend never sees one (in Azure, External ID holds them). With none configured, two
    /// users exist: ada and grace, password "backazon".</summary>
    public Dictionary<string, LocalUser> Users { get; set; } = [];

    /// <summary>More redirect URIs to register for the client.</summary>
    public List<string> RedirectUris { get; set; } = [];

    public IReadOnlyDictionary<string, LocalUser> UsersOrDefaults() => Users.Count > 0 ? Users : new Dictionary<string, LocalUser>
    {
        ["ada"] = new() { Password = "backazon", Email = "ada@example.com" },
        ["grace"] = new() { Password = "backazon", Email = "grace@example.com" },
    };
}

public sealed class LocalUser
{
    public string Password { get; set; } = "";
    public string? Email { get; set; }
}
