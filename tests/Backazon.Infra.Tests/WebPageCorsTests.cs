using System.Text.Json.Nodes;

namespace Backazon.Infra.Tests;

/// <summary>The web page, served by the function app, reads blobs from the data account through
/// signed links: exactly one CORS rule lets exactly that origin GET and HEAD, nothing more.</summary>
[Collection(InfraCollection.Name)]
public sealed class WebPageCorsTests(InfraFixture infra)
{
    [Fact]
    public void DataAccount_Cors_LetsOnlyTheWebPagesOriginGetAndHeadBlobs()
    {
        var blobService = infra.Single(ResourceTypes.BlobService, $"{infra.DataAccountName}/default");
        var rules = blobService["properties"]?["cors"]?["corsRules"]?.AsArray() ?? [];
        Rule.Holds(rules.Count == 1, "data storage: exactly one CORS rule (the web page's)", $"{rules.Count} rules");

        var rule = rules[0]!;
        var origins = Strings(rule["allowedOrigins"]);
        var methods = Strings(rule["allowedMethods"]);
        var page = $"https://{infra.Outputs["FUNCTION_APP_NAME"]}.azurewebsites.net";
        Rule.Holds(origins.SequenceEqual([page]), "data storage CORS: the only origin is the function app that serves the page",
            $"origins: [{string.Join(", ", origins)}], page: {page}");
        Rule.Holds(methods.Order().SequenceEqual(["GET", "HEAD"]), "data storage CORS: GET and HEAD only",
            $"methods: [{string.Join(", ", methods)}]");
    }

    [Fact]
    public void FunctionApp_TellsThePage_ItsClientIdAndScopes()
    {
        foreach (var (parameter, environment) in new[] { ("customerSignInWebClientId", "CUSTOMER_SIGNIN_WEB_CLIENT_ID"), ("customerSignInWebScopes", "CUSTOMER_SIGNIN_WEB_SCOPES") })
        {
            var value = infra.ParametersFile["parameters"]?[parameter]?["value"]?.ToString() ?? "";
            Rule.Holds(value.Contains(environment, StringComparison.Ordinal), $"azd passes {environment} as {parameter}", $"main.parameters.json: {value}");
        }
    }

    private static List<string> Strings(JsonNode? array) => array?.AsArray().Select(v => v!.ToString()).ToList() ?? [];
}
