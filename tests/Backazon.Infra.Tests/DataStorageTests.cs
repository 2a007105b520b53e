using System.Text.Json.Nodes;
using Backazon.Backend.Configuration;

namespace Backazon.Infra.Tests;

/// <summary>The customer data account: hardened, redundant, soft delete on, and holding exactly
/// the containers, queues and tables of <see cref="StorageNames"/>.</summary>
[Collection(InfraCollection.Name)]
public sealed class DataStorageTests(InfraFixture infra)
{
    private static readonly string[] RedundantSkus = ["Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS", "Standard_GRS", "Standard_RAGRS"];

    // One datacenter's copies: offered beside ZRS for its price, never the default
    // (infra/README.md says what it risks).
    private const string LocallyRedundant = "Standard_LRS";

    [Theory]
    [InlineData("allowSharedKeyAccess", "false")]
    [InlineData("defaultToOAuthAuthentication", "true")]
    [InlineData("minimumTlsVersion", "TLS1_2")]
    [InlineData("supportsHttpsTrafficOnly", "true")]
    [InlineData("allowBlobPublicAccess", "false")]
    [InlineData("allowCrossTenantReplication", "false")]
    public void DataAccount_Property_IsHardened(string property, string expected)
    {
        var actual = infra.DataAccount["properties"]?[property]?.ToString();

        Rule.Holds(actual == expected, $"data storage account: {property} must be {expected}",
            $"{infra.DataAccountName}.properties.{property} = {actual ?? "(not set)"}");
    }

    [Fact]
    public void DataAccount_SoftDelete_IsOnForBlobsAndContainers()
    {
        var blobService = infra.Single(ResourceTypes.BlobService, $"{infra.DataAccountName}/default")["properties"];
        foreach (var policy in new[] { "deleteRetentionPolicy", "containerDeleteRetentionPolicy" })
        {
            var enabled = blobService?[policy]?["enabled"]?.ToString();
            var days = blobService?[policy]?["days"]?.GetValue<int>() ?? 0;
            Rule.Holds(enabled == "true" && days >= 1, $"data storage account: blob service {policy} is enabled (soft delete)",
                $"enabled = {enabled ?? "(not set)"}, days = {days}");
        }
    }

    [Fact]
    public void DataAccount_Replication_IsZoneRedundantByDefault_LocallyRedundantOnlyByChoice()
    {
        var sku = infra.Template["parameters"]!["dataStorageSku"]!;
        var allowed = sku["allowedValues"]?.AsArray().Select(v => v!.ToString()).ToList() ?? [];

        Rule.Holds((string?)sku["defaultValue"] == "Standard_ZRS", "data storage replication defaults to Standard_ZRS",
            $"default: {sku["defaultValue"]}");
        Rule.Holds(allowed.Contains("Standard_ZRS") && allowed.Contains(LocallyRedundant),
            "data storage replication offers LRS beside ZRS", $"allowed: [{string.Join(", ", allowed)}]");
        Rule.Holds(allowed.All(s => RedundantSkus.Contains(s) || s == LocallyRedundant),
            "data storage replication allows zone- or geo-redundant SKUs, and LRS, nothing else (no premium or page-blob SKU)", $"allowed: [{string.Join(", ", allowed)}]");
        var description = (string?)sku["metadata"]?["description"] ?? "";
        Rule.Holds(description.Contains("Standard_LRS", StringComparison.Ordinal) && description.Contains("datacenter", StringComparison.Ordinal),
            "the dataStorageSku parameter says what LRS risks", description);
        Rule.Holds((string?)infra.DataAccount["sku"]?["name"] == "Standard_ZRS", "the data account uses the dataStorageSku parameter",
            $"deployed sku: {infra.DataAccount["sku"]?["name"]}");
    }

    [Theory]
    [InlineData("containers")]
    [InlineData("queues")]
    [InlineData("tables")]
    public void DataAccount_Declares_ExactlyTheBackendsStorageNames(string kind)
    {
        var (expected, type) = kind switch
        {
            "containers" => (StorageNames.Containers, ResourceTypes.Container),
            "queues" => (StorageNames.Queues, ResourceTypes.Queue),
            _ => (StorageNames.Tables, ResourceTypes.Table),
        };

        Rule.SameSet(expected, infra.ChildNames(infra.DataAccountName, type),
            $"the data account declares exactly StorageNames.{char.ToUpperInvariant(kind[0])}{kind[1..]}");
    }

    [Fact]
    public void EveryStorageAccount_ForbidsSharedKeyAndAnonymousAccess()
    {
        var accounts = infra.OfType(ResourceTypes.StorageAccount).ToList();
        Rule.Holds(accounts.Count == 2, "two storage accounts: customer data and the Functions host",
            $"found: [{string.Join(", ", accounts.Select(a => a["name"]))}]");
        foreach (var account in accounts)
        {
            var properties = account["properties"] as JsonObject;
            foreach (var (property, expected) in new[]
            {
                ("allowSharedKeyAccess", "false"),
                ("allowBlobPublicAccess", "false"),
                ("minimumTlsVersion", "TLS1_2"),
                ("supportsHttpsTrafficOnly", "true"),
            })
            {
                var actual = properties?[property]?.ToString();
                Rule.Holds(actual == expected, $"every storage account: {property} must be {expected}",
                    $"{account["name"]}.properties.{property} = {actual ?? "(not set)"}");
            }
        }
    }
}
