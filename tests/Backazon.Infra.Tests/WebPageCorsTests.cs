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

    private static List<string> Strings(JsonNode? array) => array?.AsArray().Select(v => v!.ToString()).ToList() ?? [];
}
