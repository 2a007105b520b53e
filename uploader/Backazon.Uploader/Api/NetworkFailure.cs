using System.Net.Sockets;
using System.Security.Authentication;

namespace Backazon.Uploader.Api;

/// <summary>
/// Why a server could not be reached, in words a person can act on: the innermost cause that
/// says something ("Connection refused (127.0.0.1:7071)"), never the wrapper's "see inner
/// exception".
/// </summary>
public static class NetworkFailure
{
    /// <summary>One sentence for a Backazon server that did not answer.</summary>
    public static string DescribeServer(HttpRequestException e, Uri server)
    {
        var authority = server.GetLeftPart(UriPartial.Authority);
        if (e.HttpRequestError == HttpRequestError.SecureConnectionError && server.Scheme == Uri.UriSchemeHttps
            && Find<AuthenticationException>(e) is { } tls)
        {
            // AuthenticationException carries no code to branch on; a certificate problem is the
            // only kind whose text names the certificate, and every other kind of failed
            // handshake here means the other end does not speak TLS at all.
            return tls.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase)
                ? $"The server at {authority} has a certificate this machine does not trust ({tls.Message.TrimEnd('.')}): fix its certificate, or give its trusted address."
                : $"The server at {authority} does not speak HTTPS; did you mean {new UriBuilder(server) { Scheme = Uri.UriSchemeHttp, Port = server.IsDefaultPort ? -1 : server.Port }.Uri.GetLeftPart(UriPartial.Authority)}?";
        }

        return $"Cannot reach the Backazon server at {authority}: {Reason(e)}. Check the address and that the server runs, then run it again.";
    }

    /// <summary>The cause of a failed request in a few words, with the address it went to when
    /// the socket layer gave one.</summary>
    public static string Reason(Exception e)
    {
        // HttpRequestException's own message names the endpoint ("Connection refused
        // (host:port)") except when it only points at its inner exception.
        if (Find<HttpRequestException>(e) is { InnerException: not null } http && !http.Message.Contains("inner exception", StringComparison.OrdinalIgnoreCase))
        {
            return http.Message.TrimEnd('.');
        }

        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost is SocketException socket ? socket.Message.TrimEnd('.') : innermost.Message.TrimEnd('.');
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }
}
