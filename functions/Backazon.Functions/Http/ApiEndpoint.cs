using System.Text.Json;
using System.Text.Json.Serialization;
using Backazon.Backend.Customers;
using Backazon.Backend.Devices;
using Backazon.Backend.Errors;
using Backazon.Backend.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Backazon.Functions.Http;

/// <summary>
/// What every HTTP function shares: who is calling (device, signed-in member or operator), reading JSON bodies,
/// and turning refusals into ProblemDetails. Kept here rather than in Functions middleware so
/// the local runtime, which hosts the same classes without the Functions host, behaves the same.
/// </summary>
public sealed class ApiEndpoint(DeviceAuthenticator devices, OperatorAuthenticator operators, CustomerAuthenticator customers, ILogger<ApiEndpoint> logger)
{
    public const int DefaultMaxBodyBytes = 64 * 1024;

    /// <summary>How deep a request body may nest; ours are a few levels.</summary>
    public const int MaxBodyDepth = 64;

    /// <summary>Request bodies: camelCase names as the web defaults, but a number must be a JSON
    /// number ("size": "1" is refused rather than read as 1). Unknown fields are ignored, so
    /// older backends accept newer clients (documented in the README's API notes).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = MaxBodyDepth,
    };

    public Task<IActionResult> AnonymousAsync(HttpRequest request, Func<Task<IActionResult>> handle) =>
        RunAsync(request, handle);

    public Task<IActionResult> DeviceAsync(HttpRequest request, Func<DeviceCaller, Task<IActionResult>> handle) =>
        RunAsync(request, async () =>
        {
            var token = BearerToken(request);
            var caller = await devices.AuthenticateAsync(token, request.HttpContext.RequestAborted);
            if (caller is null)
            {
                // Only the device itself holds its secret, so telling it why costs no privacy.
                throw await devices.WhyRefusedAsync(token, request.HttpContext.RequestAborted) is { } why
                    ? new BackazonException(ProblemKind.Unauthorized, "Device revoked or replaced.", why)
                    : new BackazonException(ProblemKind.Unauthorized, "Not authenticated.",
                        "A valid device token is required (Authorization: Bearer ...).");
            }

            return await handle(caller);
        });

    /// <summary>A signed-in member of an account (a customer's bearer token from the configured issuer).</summary>
    public Task<IActionResult> CustomerAsync(HttpRequest request, Func<CustomerCaller, Task<IActionResult>> handle) =>
        RunAsync(request, async () => await handle(await customers.AuthenticateAsync(request.HttpContext)));

    /// <summary>Anyone signed in at the configured issuer, member of an account or not yet (accepting an invitation).</summary>
    public Task<IActionResult> SignedInAsync(HttpRequest request, Func<CustomerIdentity, Task<IActionResult>> handle) =>
        RunAsync(request, async () => await handle(await customers.IdentifyAsync(request.HttpContext)));

    public Task<IActionResult> OperatorAsync(HttpRequest request, Func<Task<IActionResult>> handle) =>
        RunAsync(request, async () =>
        {
            var token = BearerToken(request);
            if (!operators.IsOperator(token))
            {
                if (await devices.AuthenticateAsync(token, request.HttpContext.RequestAborted) is not null)
                {
                    throw new BackazonException(ProblemKind.Forbidden, "Forbidden.", "Device tokens cannot call operator endpoints.");
                }

                throw string.IsNullOrEmpty(token)
                    ? new BackazonException(ProblemKind.Unauthorized, "Not authenticated.", "The operator key is required (Authorization: Bearer ...).")
                    : new BackazonException(ProblemKind.Unauthorized, "Wrong operator key.",
                        "The operator key is wrong: it is not the one this server was set up with.");
            }

            return await handle();
        });

    /// <summary>Reads a JSON body of at most <paramref name="maxBytes"/>; malformed JSON is a 400
    /// naming where it broke.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, int maxBytes = DefaultMaxBodyBytes)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                throw TooLarge(maxBytes);
            }
        }

        if (buffer.Length == 0)
        {
            throw BackazonException.BadRequest("The request body is empty; a JSON object is expected.");
        }

        var body = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        CheckSyntax(body);
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json)
                ?? throw BackazonException.BadRequest("The request body is null; a JSON object is expected.");
        }
        catch (JsonException e)
        {
            var field = e.Path is null or "$" ? null : e.Path.TrimStart('$', '.');
            throw BackazonException.BadRequest(
                field is null ? "The request body is not valid JSON." : $"The field '{field}' is missing a value or has the wrong type.",
                field);
        }
    }

    /// <summary>
    /// Reads the body once as plain JSON before binding it, so that broken or too deeply nested
    /// JSON is reported as such, at its position; the serializer would name the field it was
    /// binding when the reader gave up, which is not where the problem is.
    /// </summary>
    private static void CheckSyntax(ReadOnlySpan<byte> body)
    {
        // The reader keeps its depth in a bit stack, not on the call stack: any depth is safe to
        // read, so it can stop at ours and say so.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth >= MaxBodyDepth)
                {
                    throw BackazonException.BadRequest(
                        $"The request body is nested too deep: at most {MaxBodyDepth} levels are allowed (byte {reader.TokenStartIndex:N0}).");
                }
            }
        }
        catch (JsonException e)
        {
            throw BackazonException.BadRequest(
                $"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
    }

    private async Task<IActionResult> RunAsync(HttpRequest request, Func<Task<IActionResult>> handle)
    {
        try
        {
            return await handle();
        }
        catch (BackazonException e)
        {
            // The detail is written for the caller; it never contains a secret.
            logger.LogInformation("{Method} {Path} refused: {Kind} {Detail}", request.Method, request.Path, e.Kind, e.Detail);
            return Problem(request, e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // A fault of ours or of storage: logged in full here, said plainly to the caller.
            logger.LogError(e, "{Method} {Path} failed.", request.Method, request.Path);
            return new ObjectResult(new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "The service failed.",
                Detail = "Something went wrong on our side. Try again in a moment.",
                Instance = request.Path,
            }) { StatusCode = StatusCodes.Status500InternalServerError };
        }
    }

    public static ObjectResult Problem(HttpRequest request, BackazonException e)
    {
        var status = e.Kind switch
        {
            ProblemKind.BadRequest => StatusCodes.Status400BadRequest,
            ProblemKind.Unauthorized => StatusCodes.Status401Unauthorized,
            ProblemKind.Forbidden => StatusCodes.Status403Forbidden,
            ProblemKind.NotFound => StatusCodes.Status404NotFound,
            ProblemKind.Conflict => StatusCodes.Status409Conflict,
            ProblemKind.Gone => StatusCodes.Status410Gone,
            ProblemKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
            ProblemKind.Busy => StatusCodes.Status503ServiceUnavailable,
            ProblemKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status500InternalServerError,
        };
        var problem = new ProblemDetails { Status = status, Title = e.Title, Detail = e.Detail, Instance = request.Path };
        if (e.Field is not null)
        {
            problem.Extensions["field"] = e.Field;
        }

        if (e.Error is not null)
        {
            problem.Extensions["error"] = e.Error;
        }

        if (e.RetryAfter is { } wait)
        {
            // Whole seconds, rounded up (RFC 9110 §10.2.3): a client that waits that long is served.
            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            problem.Extensions["retryAfterSeconds"] = seconds;
        }
        else if (e.Kind == ProblemKind.Busy)
        {
            // A client that retries (the uploader does) comes back after a pause, not at once.
            request.HttpContext.Response.Headers.RetryAfter = "1";
        }

        return new ObjectResult(problem) { StatusCode = status };
    }

    /// <summary>Where this server is reached, as the caller reached it (for links it hands out).</summary>
    public static Uri PublicBase(HttpRequest request) => new($"{request.Scheme}://{request.Host}/");

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    private static BackazonException TooLarge(int maxBytes) =>
        new(ProblemKind.PayloadTooLarge, "The request is too large.", $"The request body must be at most {maxBytes:N0} bytes.");
}
