namespace Backazon.Functions.Web;

/// <summary>How the web page signs customers in (section "WebPage"): the public client it is
/// registered as at the operator's issuer and the scopes it asks for. The issuer itself is
/// CustomerSignIn:Authority, the one whose tokens the API accepts.</summary>
public sealed class WebPageOptions
{
    /// <summary>The page's client id (a single-page-application registration: code flow with PKCE, no secret).</summary>
    public string? ClientId { get; set; }

    /// <summary>Scopes the page asks for, space-separated: openid and the API's scope.</summary>
    public string Scopes { get; set; } = "openid email backazon";
}

/// <summary>What the page is told at start (GET /api/web/config): nothing secret.</summary>
public sealed record WebPageConfig(string? Authority, string? ClientId, string Scopes);
