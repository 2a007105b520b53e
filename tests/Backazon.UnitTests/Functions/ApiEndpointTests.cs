using System.Text;
using Backazon.Backend.Errors;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;

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

    [Fact]
    public async Task ReadJson_LargerThanAllowed_IsRefusedWithoutReadingItAll()
    {
        var json = $$"""{"name":"{{new string('a', 2000)}}","plan":"trial"}""";
        var refused = await Assert.ThrowsAsync<BackazonException>(() => ApiEndpoint.ReadJsonAsync<CreateAccountRequest>(Request(json, sendLength: false), maxBytes: 1000));
        Assert.Equal(ProblemKind.PayloadTooLarge, refused.Kind);
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
