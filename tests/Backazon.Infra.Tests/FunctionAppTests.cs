namespace Backazon.Infra.Tests;

/// <summary>The function app: Flex Consumption, isolated worker on .NET 10, deployed from the
/// host account's container by its user-assigned identity, with telemetry by identity.</summary>
[Collection(InfraCollection.Name)]
public sealed class FunctionAppTests(InfraFixture infra)
{
    [Fact]
    public void FunctionApp_RunsDotnetIsolated10OnFlexConsumption()
    {
        var app = infra.FunctionApp;
        var config = app["properties"]?["functionAppConfig"];
        var plan = infra.OfType(ResourceTypes.ServerFarm).Single();

        Rule.Holds((string?)plan["sku"]?["name"] == "FC1" && (string?)plan["sku"]?["tier"] == "FlexConsumption",
            "the plan is Flex Consumption (FC1)", plan["sku"]?.ToJsonString() ?? "(no sku)");
        Rule.Holds((string?)config?["runtime"]?["name"] == "dotnet-isolated" && (string?)config?["runtime"]?["version"] == "10.0",
            "the runtime is dotnet-isolated 10.0", config?["runtime"]?.ToJsonString() ?? "(no runtime)");
        Rule.Holds(app["properties"]?["httpsOnly"]?.GetValue<bool>() == true, "the function app is HTTPS only", $"httpsOnly = {app["properties"]?["httpsOnly"]}");

        // Flex Consumption takes the runtime from functionAppConfig and refuses these settings.
        var refused = infra.AppSettings.Keys.Where(k => k is "FUNCTIONS_WORKER_RUNTIME" or "FUNCTIONS_EXTENSION_VERSION" or "WEBSITE_RUN_FROM_PACKAGE").ToList();
        Rule.Holds(refused.Count == 0, "no app setting that Flex Consumption refuses", $"found: [{string.Join(", ", refused)}]");
    }

    [Fact]
    public void FunctionApp_ReachesItsStorageAndTelemetryAsTheUserAssignedIdentity()
    {
        var app = infra.FunctionApp;
        var identityId = (string)infra.Identity["id"]!;
        var hostAccountId = (string)infra.Single(ResourceTypes.StorageAccount, infra.HostAccountName)["id"]!;
        var storage = app["properties"]?["functionAppConfig"]?["deployment"]?["storage"];

        Rule.Holds((string?)app["identity"]?["type"] == "UserAssigned" && app["identity"]?["userAssignedIdentities"]?[identityId] is not null,
            "the function app runs as the user-assigned identity (and no system-assigned one)", app["identity"]?.ToJsonString() ?? "(no identity)");
        Rule.Holds((string?)storage?["type"] == "blobContainer"
                && ((string?)storage?["value"])?.Contains($"'{hostAccountId}'", StringComparison.Ordinal) == true
                && (string?)storage?["authentication"]?["type"] == "UserAssignedIdentity"
                && (string?)storage?["authentication"]?["userAssignedIdentityResourceId"] == identityId,
            "the deployment package container is on the host account, reached by the user-assigned identity", storage?.ToJsonString() ?? "(none)");

        var settings = infra.AppSettings;
        Rule.Holds(settings.GetValueOrDefault("AzureWebJobsStorage__credential") == "managedidentity"
                && settings.GetValueOrDefault("AzureWebJobsStorage__clientId") == settings["DataStorage__clientId"]
                && settings.GetValueOrDefault("AzureWebJobsStorage__blobServiceUri", "").Contains($"'{hostAccountId}'", StringComparison.Ordinal),
            "the host's AzureWebJobsStorage is the host account, by identity", string.Join("\n", settings.Where(s => s.Key.StartsWith("AzureWebJobsStorage", StringComparison.Ordinal))));
        Rule.Holds(settings.GetValueOrDefault("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "").Contains("Authorization=AAD", StringComparison.Ordinal),
            "telemetry is sent with the identity (Application Insights local auth is off)", settings.GetValueOrDefault("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "(not set)"));
    }

    [Fact]
    public void ApplicationInsights_HasLocalAuthOff()
    {
        var component = infra.OfType(ResourceTypes.ApplicationInsights).Single();

        Rule.Holds(component["properties"]?["DisableLocalAuth"]?.GetValue<bool>() == true,
            "Application Insights accepts Entra ID only (DisableLocalAuth true)", component["properties"]?.ToJsonString() ?? "(no properties)");
    }
}
