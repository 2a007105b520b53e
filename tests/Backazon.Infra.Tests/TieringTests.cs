using System.Text.Json.Nodes;
using Backazon.Backend.Configuration;

namespace Backazon.Infra.Tests;

/// <summary>The lifecycle rule that moves content only old versions point at to cool, then cold:
/// only content the backend tagged, in the content container, by upload age, with the minimum
/// stays of each tier respected, never to archive (a signed link must still restore it) and
/// never deleting anything (only retention deletes content).</summary>
[Collection(InfraCollection.Name)]
public sealed class TieringTests(InfraFixture infra)
{
    // The tag the backend writes on content no version in force points at (infra/README.md,
    // "Tiering old content").
    private const string TagName = "backazon-state";
    private const string TagValue = "old";

    [Fact]
    public void LifecycleRule_MovesOnlyTaggedContentBlobs()
    {
        var rules = Rules();
        Rule.Holds(rules.Count == 1, "the data account has one lifecycle rule, tier-old-content", string.Join(", ", rules.Select(r => r["name"])));
        var rule = rules[0];
        var filters = rule["definition"]!["filters"]!;
        var tags = filters["blobIndexMatch"]?.AsArray() ?? [];

        Rule.Holds((string?)rule["name"] == "tier-old-content" && rule["enabled"]?.GetValue<bool>() == true,
            "the tier-old-content rule is enabled by default (tierOldContent)", rule.ToJsonString());
        Rule.SameSet(["blockBlob"], filters["blobTypes"]!.AsArray().Select(t => (string)t!), "the rule applies to block blobs");
        Rule.SameSet([StorageNames.ContentContainer + "/"], filters["prefixMatch"]!.AsArray().Select(t => (string)t!),
            "the rule applies to the content container only (never to upload manifests)");
        Rule.Holds(tags.Count == 1 && (string?)tags[0]!["name"] == TagName && (string?)tags[0]!["op"] == "==" && (string?)tags[0]!["value"] == TagValue,
            $"the rule moves only content tagged {TagName}={TagValue}: current content is never tiered", tags.ToJsonString());
    }

    [Fact]
    public void LifecycleRule_TiersToCoolThenCold_RespectingMinimumStays()
    {
        var actions = Rules().Single()["definition"]!["actions"]!.AsObject();
        var baseBlob = actions["baseBlob"]!.AsObject();
        var cool = baseBlob["tierToCool"]?["daysAfterModificationGreaterThan"]?.GetValue<int>();
        var cold = baseBlob["tierToCold"]?["daysAfterModificationGreaterThan"]?.GetValue<int>();

        Rule.SameSet(["baseBlob"], actions.Select(a => a.Key), "the rule acts on base blobs only (no versions or snapshots: versioning is off)");
        Rule.SameSet(["tierToCool", "tierToCold"], baseBlob.Select(a => a.Key),
            "the rule only moves content to cool and cold: no archive (a signed link could not read it without rehydration) and no delete (only retention deletes)");
        Rule.Holds(cool == 30, "content moves to cool 30 days after its upload by default (coolAfterDays)", $"tierToCool after {cool}");
        Rule.Holds(cold == 180, "content moves to cold 180 days after its upload by default (coldAfterDays)", $"tierToCold after {cold}");
        Rule.Holds(cold >= cool + 30, "content that moved to cool stays there at least cool's 30-day minimum before cold", $"cool {cool}, cold {cold}");
    }

    [Fact]
    public void TieringParameters_CannotBreakTheMinimumStays()
    {
        var parameters = infra.Template["parameters"]!;

        Rule.Holds(parameters["tierOldContent"]?["defaultValue"]?.GetValue<bool>() == true, "tierOldContent is a switch, on by default", parameters["tierOldContent"]?.ToJsonString() ?? "(none)");
        Rule.Holds(parameters["coolAfterDays"]?["minValue"]?.GetValue<int>() >= 30, "coolAfterDays is at least 30", parameters["coolAfterDays"]?.ToJsonString() ?? "(none)");
        // The cold threshold is max(coldAfterDays, coolAfterDays + 30) in data-storage.bicep.
        Rule.Holds(infra.TemplateText.Contains("max(parameters('coldAfterDays'), add(parameters('coolAfterDays'), 30))", StringComparison.Ordinal),
            "the cold threshold is never less than coolAfterDays + 30, whatever the parameters", "no max(coldAfterDays, coolAfterDays + 30) in the data storage module");
    }

    [Fact]
    public void DataAccount_DefaultTierIsHot()
    {
        Rule.Holds((string?)infra.DataAccount["properties"]?["accessTier"] == "Hot", "new content lands in the hot tier (the lifecycle rule moves old content only)",
            $"accessTier = {infra.DataAccount["properties"]?["accessTier"]}");
    }

    private List<JsonObject> Rules() =>
        infra.Single("Microsoft.Storage/storageAccounts/managementPolicies", $"{infra.DataAccountName}/default")["properties"]!["policy"]!["rules"]!
            .AsArray().Select(r => r!.AsObject()).ToList();
}
