using System.Text;
using System.Text.Json;
using Backazon.Backend.Errors;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Backazon.UnitTests.Functions;

public sealed class ApiEndpointTests
{
    [Fact]
    public async Task ReadJson_ValidBody_Binds()
    {
        var body = await ApiEndpoint.ReadJsonAsync<CreateAccountRequest>(Request("""{"name":"Ada","plan":"trial"}"""));
        Assert.Equal(new CreateAccountRequest("Ada", "trial"), body);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("null", null)]
    [InlineData("{", null)]
    [InlineData("""{"name":{}}""", "name")]
    public async Task ReadJson_Malformed_IsBadRequestNamingTheField(string json, string? field)
    {
        var refused = await Assert.ThrowsAsync<BackazonException>(() => ApiEndpoint.ReadJsonAsync<CreateAccountRequest>(Request(json)));
        Assert.Equal(ProblemKind.BadRequest, refused.Kind);
        Assert.Equal(field, refused.Field);
    }

    [Theory]
    [InlineData("""{"files":[{"path":"a","size":"1","hash":"h"}]}""", "files[0].size")]
    [InlineData("""{"files":[{"path":"a","size":1.5,"hash":"h"}]}""", "files[0].size")]
    [InlineData("""{"files":[{"path":"a","size":1,"hash":"h"}]""", null)]
    public async Task ReadJson_NumberAsStringOrBrokenJson_IsBadRequest(string json, string? field)
    {
        var refused = await Assert.ThrowsAsync<BackazonException>(() => ApiEndpoint.ReadJsonAsync<UploadGrantRequest>(Request(json)));
        Assert.Equal(ProblemKind.BadRequest, refused.Kind);
        Assert.Equal(field, refused.Field);
    }

    [Theory]
    [InlineData(ApiEndpoint.MaxBodyDepth - 1, true)]
    [InlineData(ApiEndpoint.MaxBodyDepth, false)]
    [InlineData(100_000, false)]
    public async Task ReadJson_Nesting_IsAllowedUpToTheLimitAndRefusedPlainlyBeyond(int arrays, bool allowed)
    {
        // The object is one level, each array one more.
        var json = """{"name":""" + new string('[', arrays) + new string(']', arrays) + "}";
        var read = ApiEndpoint.ReadJsonAsync<Dictionary<string, JsonElement>>(Request(json), maxBytes: 1 << 20);

        if (allowed)
        {
            Assert.Equal(JsonValueKind.Array, (await read)["name"].ValueKind);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<BackazonException>(() => read);
            Assert.StartsWith($"The request body is nested too deep: at most {ApiEndpoint.MaxBodyDepth} levels", refused.Detail);
            Assert.Null(refused.Field);
        }
    }

    [Fact]
    public async Task ReadJson_LargerThanAllowed_IsRefusedWithoutReadingItAll()
    {
        var json = $$"""{"name":"{{new string('a', 2000)}}","plan":"trial"}""";
        var refused = await Assert.ThrowsAsync<BackazonException>(() => ApiEndpoint.ReadJsonAsync<CreateAccountRequest>(Request(json, sendLength: false), maxBytes: 1000));
        Assert.Equal(ProblemKind.PayloadTooLarge, refused.Kind);
    }

    [Fact]
    public async Task Anonymous_UnexpectedFailure_IsA500ProblemWithoutInternals()
    {
        var storage = Backazon.Backend.Storage.StorageClients.FromConfiguration(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataStorage"] = "UseDevelopmentStorage=true" }).Build());
        var store = new Backazon.Backend.Accounts.AccountStore(storage, new Backazon.Backend.Plans.PlanCatalog(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));
        var signIn = Microsoft.Extensions.Options.Options.Create(new Backazon.Backend.Customers.CustomerSignInOptions());
        var endpoint = new ApiEndpoint(
            new Backazon.Backend.Devices.DeviceAuthenticator(store, TimeProvider.System),
            new Backazon.Backend.Security.OperatorAuthenticator(Microsoft.Extensions.Options.Options.Create(new Backazon.Backend.Configuration.OperatorOptions())),
            new Backazon.Backend.Customers.CustomerAuthenticator(signIn, Moq.Mock.Of<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>>(), new Backazon.Backend.Customers.MembershipService(storage, store, new Backazon.Backend.Storage.DueIndex(storage), signIn, TimeProvider.System),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Backazon.Backend.Customers.CustomerAuthenticator>.Instance),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ApiEndpoint>.Instance);

        var result = await endpoint.AnonymousAsync(Request("{}"), () => throw new InvalidOperationException("secret internals"));

        var problem = Assert.IsType<Microsoft.AspNetCore.Mvc.ProblemDetails>(Assert.IsType<Microsoft.AspNetCore.Mvc.ObjectResult>(result).Value);
        Assert.Equal(500, problem.Status);
        Assert.DoesNotContain("secret internals", problem.Detail);
    }

    [Fact]
    public void Problem_Busy_Is503WithRetryAfterAndTheReason()
    {
        var request = Request("");
        var result = ApiEndpoint.Problem(request, BackazonException.Busy("The account is busy; try again in a moment."));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, result.StatusCode);
        Assert.Equal("1", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Equal("The account is busy; try again in a moment.", Assert.IsType<Microsoft.AspNetCore.Mvc.ProblemDetails>(result.Value).Detail);
    }

    [Fact]
    public void Problem_TooMany_Is429WithRetryAfterInWholeSecondsRoundedUp()
    {
        var request = Request("");
        var result = ApiEndpoint.Problem(request, BackazonException.TooMany("Too many requests from this address.", TimeSpan.FromSeconds(89.2)));

        Assert.Equal(StatusCodes.Status429TooManyRequests, result.StatusCode);
        Assert.Equal("90", request.HttpContext.Response.Headers.RetryAfter.ToString());
        var problem = Assert.IsType<Microsoft.AspNetCore.Mvc.ProblemDetails>(result.Value);
        Assert.Equal(("Too many requests from this address.", 90L), (problem.Detail, (long)problem.Extensions["retryAfterSeconds"]!));
    }

    private static HttpRequest Request(string body, bool sendLength = true)
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = sendLength ? bytes.Length : null;
        return context.Request;
    }
}
