using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Backazon.Contracts;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Backazon.Uploader.Api;

/// <summary>
/// The backend's HTTP API as typed calls. Transient failures (network, 5xx, 429) are retried
/// with exponential back-off and jitter; refusals become a <see cref="BackazonApiException"/>
/// carrying the backend's reason.
/// </summary>
public sealed partial class BackazonClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    public BackazonClient(Uri server, string? bearerToken, bool retry = true, HttpMessageHandler? handler = null)
    {
        HttpMessageHandler inner = handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (retry)
        {
            var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 4,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(500),
                })
                .Build();
            inner = new ResilienceHandler(pipeline) { InnerHandler = inner };
        }

        _http = new HttpClient(inner, disposeHandler: true)
        {
            BaseAddress = new Uri(server.ToString().TrimEnd('/') + "/api/"),
            Timeout = TimeSpan.FromMinutes(2),
        };
        if (bearerToken is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }
    }

    public Task<HealthView> HealthAsync(CancellationToken cancellationToken = default) =>
        SendAsync<HealthView>(HttpMethod.Get, "health", null, cancellationToken);

    public Task<EnrollResponse> EnrollAsync(EnrollRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<EnrollResponse>(HttpMethod.Post, "devices/enroll", request, cancellationToken);

    /// <summary>Asks to link this computer by a code a signed-in member approves (RFC 8628).</summary>
    public Task<DeviceAuthorizationResponse> StartDeviceLinkAsync(DeviceLinkRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<DeviceAuthorizationResponse>(HttpMethod.Post, "devices/link", request, cancellationToken);

    /// <summary>One poll: the credentials once approved; otherwise a BackazonApiException whose
    /// Error is RFC 8628's code.</summary>
    public Task<EnrollResponse> PollDeviceLinkAsync(string deviceCode, CancellationToken cancellationToken = default) =>
        SendAsync<EnrollResponse>(HttpMethod.Post, "devices/link/token", new DeviceTokenRequest(DeviceLinkErrors.GrantType, deviceCode), cancellationToken);

    public Task<AccountView> DeviceStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync<AccountView>(HttpMethod.Get, "device/status", null, cancellationToken);

    public Task<List<PlanView>> ListPlansAsync(CancellationToken cancellationToken = default) =>
        SendAsync<List<PlanView>>(HttpMethod.Get, "admin/plans", null, cancellationToken);

    public Task<AccountView> CreateAccountAsync(CreateAccountRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<AccountView>(HttpMethod.Post, "admin/accounts", request, cancellationToken);

    public Task<AccountPage> ListAccountsAsync(string? continuation, CancellationToken cancellationToken = default) =>
        SendAsync<AccountPage>(HttpMethod.Get, "admin/accounts" + Query(("continuation", continuation)), null, cancellationToken);

    public Task<AccountView> GetAccountAsync(string accountId, CancellationToken cancellationToken = default) =>
        SendAsync<AccountView>(HttpMethod.Get, $"admin/accounts/{Uri.EscapeDataString(accountId)}", null, cancellationToken);

    public Task<AccountView> UpdateAccountAsync(string accountId, UpdateAccountRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<AccountView>(HttpMethod.Patch, $"admin/accounts/{Uri.EscapeDataString(accountId)}", request, cancellationToken);

    public Task<EnrollmentCodeView> CreateEnrollmentCodeAsync(string accountId, CancellationToken cancellationToken = default) =>
        SendAsync<EnrollmentCodeView>(HttpMethod.Post, $"admin/accounts/{Uri.EscapeDataString(accountId)}/enrollment-codes", null, cancellationToken);

    public Task<InvitationView> CreateInvitationAsync(string accountId, string email, CancellationToken cancellationToken = default) =>
        SendAsync<InvitationView>(HttpMethod.Post, $"admin/accounts/{Uri.EscapeDataString(accountId)}/invitations", new CreateInvitationRequest(email), cancellationToken);

    public Task<List<MemberView>> ListMembersAsync(string accountId, CancellationToken cancellationToken = default) =>
        SendAsync<List<MemberView>>(HttpMethod.Get, $"admin/accounts/{Uri.EscapeDataString(accountId)}/members", null, cancellationToken);

    public Task<object> RemoveMemberAsync(string accountId, string memberId, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, $"admin/accounts/{Uri.EscapeDataString(accountId)}/members/{Uri.EscapeDataString(memberId)}", null, cancellationToken);

    public Task<AccountView> RevokeDeviceAsync(string accountId, string deviceId, CancellationToken cancellationToken = default) =>
        SendAsync<AccountView>(HttpMethod.Delete,
            $"admin/accounts/{Uri.EscapeDataString(accountId)}/devices/{Uri.EscapeDataString(deviceId)}", null, cancellationToken);

    public Task<AccountView> ClearRejectionsAsync(string accountId, string deviceId, CancellationToken cancellationToken = default) =>
        SendAsync<AccountView>(HttpMethod.Delete,
            $"admin/accounts/{Uri.EscapeDataString(accountId)}/devices/{Uri.EscapeDataString(deviceId)}/rejections", null, cancellationToken);

    public Task<UploadGrantResponse> RequestGrantsAsync(UploadGrantRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<UploadGrantResponse>(HttpMethod.Post, "uploads/grants", request, cancellationToken);

    public Task<CommitResponse> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<CommitResponse>(HttpMethod.Post, "backups/commits", request, cancellationToken);

    public Task<CommitStatus> CommitStatusAsync(string commitId, CancellationToken cancellationToken = default) =>
        SendAsync<CommitStatus>(HttpMethod.Get, $"backups/commits/{Uri.EscapeDataString(commitId)}", null, cancellationToken);

    public Task ReportRunAsync(RunReport report, CancellationToken cancellationToken = default) =>
        SendAsync<object?>(HttpMethod.Post, "device/runs", report, cancellationToken);

    public Task<RunPage> RunsAsync(string? deviceId, string? continuation, int? limit = null, CancellationToken cancellationToken = default) =>
        SendAsync<RunPage>(HttpMethod.Get, "device/runs" + Query(("device", deviceId), ("continuation", continuation), ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            null, cancellationToken);

    public Task<CatalogPage> ListCatalogAsync(string? deviceId, string path, DateTimeOffset? at, bool deleted, bool recursive, string? continuation,
        CancellationToken cancellationToken = default) =>
        SendAsync<CatalogPage>(HttpMethod.Get, "catalog/list" + Query(("device", deviceId), ("path", path), ("at", at?.ToString("O")),
            ("deleted", deleted ? "true" : null), ("recursive", recursive ? "true" : null), ("continuation", continuation)), null, cancellationToken);

    public Task<List<CatalogItem>> VersionsAsync(string? deviceId, string path, CancellationToken cancellationToken = default) =>
        SendAsync<List<CatalogItem>>(HttpMethod.Get, "catalog/versions" + Query(("device", deviceId), ("path", path)), null, cancellationToken);

    public Task<RestoreManifest> RestoreManifestAsync(RestoreRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<RestoreManifest>(HttpMethod.Post, "restores", request, cancellationToken);

    private static string Query(params (string Name, string? Value)[] parameters) =>
        "?" + string.Join('&', parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}"));

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new BackazonApiException(NetworkFailure.DescribeServer(e, _http.BaseAddress!));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BackazonApiException($"The Backazon server at {_http.BaseAddress!.GetLeftPart(UriPartial.Authority)} did not answer in time.");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }

            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return default!;
            }

            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new BackazonApiException("The server sent an empty answer.");
        }
    }

    private static async Task<BackazonApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? detail = null;
        string? error = null;
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var d))
            {
                detail = d.GetString();
            }

            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
            {
                error = e.GetString();
            }
        }
        catch (JsonException)
        {
        }

        var status = (int)response.StatusCode;
        detail ??= response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "The server did not accept this machine's credentials.",
            HttpStatusCode.NotFound => "The server has no such thing.",
            _ => $"The server answered {status} {response.ReasonPhrase}.",
        };
        return new BackazonApiException(detail, status) { Error = error };
    }

    public void Dispose() => _http.Dispose();
}
