using Backazon.Backend.Customers;
using Backazon.Backend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Backazon.Functions.Web;

/// <summary>
/// The customer's web page, served by the function app itself under /api/web/: same origin as the
/// API (no CORS for API calls, one deployment, and the local backend serves it the same way). Its
/// files are copied beside the app at build (wwwroot/); it learns how to sign in from GET
/// /api/sign-in. Every answer carries a strict Content-Security-Policy: scripts and styles from
/// this origin only (WebAssembly compiled for the hashing), connections to this origin, the issuer
/// and the data storage account only.
/// </summary>
public sealed class WebPageFunctions(IOptions<CustomerSignInOptions> signIn, StorageClients storage)
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    [Function(nameof(WebPage))]
    public IActionResult WebPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "web/{*file}")] HttpRequest request, string? file = null)
    {
        var response = request.HttpContext.Response;
        Harden(response);
        // Only files under wwwroot/, by a plain relative name; "" and the sign-in redirect are the page.
        var relative = string.IsNullOrEmpty(file) ? "index.html" : file;
        var full = Path.GetFullPath(Path.Combine(Root, relative));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            return new NotFoundResult();
        }

        response.Headers.CacheControl = "no-cache";
        return new PhysicalFileResult(full, ContentTypes.TryGetContentType(full, out var type) ? type : "application/octet-stream");
    }

    private void Harden(HttpResponse response)
    {
        var connect = new[] { "'self'", Origin(signIn.Value.Authority), Origin(storage.Blobs.Uri.ToString()) }.Where(o => o is not null).Distinct();
        response.Headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; " +
            $"connect-src {string.Join(' ', connect)}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        // The sign-in redirect carries a code in the address until the page removes it: never send it on.
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static string? Origin(string? address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;
}
