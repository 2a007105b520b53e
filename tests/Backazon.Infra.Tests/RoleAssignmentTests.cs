using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Backazon.Infra.Tests;

/// <summary>Identities get the listed built-in roles on single resources, and nothing broader.</summary>
[Collection(InfraCollection.Name)]
public sealed partial class RoleAssignmentTests(InfraFixture infra)
{
    // Built-in role definition ids (Azure's built-in roles reference).
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    private static readonly string[] DataRoles = [StorageBlobDataContributor, StorageQueueDataContributor, StorageTableDataContributor];

    // The deploying person's object id in infra/snapshot/ci.bicepparam.
    private const string DeveloperPrincipalId = "00000000-0000-0000-0000-00000000d0d0";

    /// <summary>What Backazon.Backend and the Functions host do on the data account, by role:
    /// each role is there because the code makes these calls, and no broader role would do less.</summary>
    public static TheoryData<string, string> AppDataRoleUses => new()
    {
        // ContentBlobs, ContentVerifier, CommitService, SasIssuer, StorageInitializer.
        { StorageBlobDataContributor, "content and manifests: create containers, put, read, list, delete blobs; acquire and break freeze leases; get user delegation keys (SAS)" },
        // CommitService, RetentionService sends; the host's queue trigger receives, updates, deletes, and creates -poison queues.
        { StorageQueueDataContributor, "catalog and retention queues: create queues, send, receive, update visibility, delete messages" },
        // AccountStore, CatalogWriter, UploadGrantService, StorageInitializer.
        { StorageTableDataContributor, "accounts, codes, catalog, grants, content rows: create tables, point reads, queries, inserts, updates, deletes, batch transactions" },
    };

    [Theory]
    [MemberData(nameof(AppDataRoleUses))]
    public void AppIdentity_HoldsOnTheDataAccount_TheRoleItsCodeUses(string roleId, string uses)
    {
        var granted = AppAssignments().Where(a => a.Scope == AccountId(infra.DataAccountName)).Select(a => a.RoleId);

        Rule.Holds(granted.Contains(roleId), $"the app identity holds {RoleName(roleId)} on the data account", $"it is used for {uses}");
    }

    [Fact]
    public void AppIdentity_HoldsOnTheDataAccount_TheContentTaggerRole_WhichWritesBlobTagsOnly()
    {
        var role = TaggerRole();
        var permissions = role["properties"]!["permissions"]!.AsArray().Single()!;
        var resourceGroupId = (string)infra.OfType("Microsoft.Resources/resourceGroups").Single()["id"]!;

        Rule.SameSet(["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write"], Strings(permissions["dataActions"]),
            "the content tagger role's only data action is writing blob index tags (backazon-state=old marks content for tiering)");
        Rule.Holds(!Strings(permissions["actions"]).Any() && !Strings(permissions["notActions"]).Any() && !Strings(permissions["notDataActions"]).Any(),
            "the content tagger role has no control-plane action", permissions.ToJsonString());
        Rule.SameSet([resourceGroupId], Strings(role["properties"]!["assignableScopes"]), "the content tagger role can be assigned in its resource group only");
        Rule.Holds(AppAssignments().Any(a => a.Scope == AccountId(infra.DataAccountName) && a.RoleId == TaggerRoleId),
            "the app identity holds the content tagger role on the data account", "no such assignment");
    }

    [Fact]
    public void AppIdentity_GetsExactlyTheListedRolesOnEachResource()
    {
        var granted = AppAssignments().ToList();
        var applicationInsightsId = (string)infra.OfType(ResourceTypes.ApplicationInsights).Single()["id"]!;

        var expected = new Dictionary<string, string[]>
        {
            [AccountId(infra.DataAccountName)] = [.. AppDataRoleUses.Select(row => (string)row[0]), TaggerRoleId],
            [AccountId(infra.HostAccountName)] = [StorageBlobDataOwner],
            [applicationInsightsId] = [MonitoringMetricsPublisher],
        };
        Rule.SameSet(expected.Keys, granted.Select(a => a.Scope), "the app identity has roles on the data account, the host account and Application Insights only");
        foreach (var (scope, roles) in expected)
        {
            Rule.SameSet(roles.Select(RoleName), granted.Where(a => a.Scope == scope).Select(a => RoleName(a.RoleId)),
                $"the app identity's roles on {scope[(scope.LastIndexOf('/') + 1)..]} are exactly the listed ones");
            Rule.Holds(granted.Where(a => a.Scope == scope).All(a => a.PrincipalType == "ServicePrincipal"),
                "role assignments to the app identity say principalType ServicePrincipal", scope);
        }
    }

    [Fact]
    public void Deployer_GetsNoDataRoleByDefault()
    {
        var parameter = infra.Template["parameters"]!["grantDeployerDataAccess"];
        var granted = Assignments(infra.Resources).Where(a => a.PrincipalId == DeveloperPrincipalId).ToList();

        Rule.Holds((string?)parameter?["type"] == "bool" && parameter?["defaultValue"]?.GetValue<bool>() == false,
            "the deployer's data access is a bool parameter, grantDeployerDataAccess, false by default", parameter?.ToJsonString() ?? "(no such parameter)");
        Rule.Holds(granted.Count == 0, "a default deployment grants the deploying user (principalId) no role: deploying does not mean reading customers' files",
            string.Join("\n", granted.Select(a => $"{RoleName(a.RoleId)} on {a.Scope}")));
    }

    [Fact]
    public void Deployer_WhenAsked_GetsTheAppsDataRolesOnTheDataAccountOnly()
    {
        var granted = Assignments(infra.DeployerAccessResources).Where(a => a.PrincipalId == DeveloperPrincipalId).ToList();

        Rule.Holds(granted.Count > 0 && granted.All(a => a.Scope == AccountId(infra.DataAccountName) && a.PrincipalType == "User"),
            "with grantDeployerDataAccess the deploying user gets roles on the data account only, as a User",
            string.Join("\n", granted.Select(a => $"{a.Scope} {a.PrincipalType}")));
        Rule.SameSet(DataRoles.Select(RoleName), granted.Select(a => RoleName(a.RoleId)),
            "with grantDeployerDataAccess the deploying user gets the app's Blob, Queue and Table Data Contributor roles, no more");
    }

    [Fact]
    public void Template_GrantsNoRoleBeyondTheList()
    {
        var allowed = new[] { StorageBlobDataOwner, StorageBlobDataContributor, StorageQueueDataContributor, StorageTableDataContributor, MonitoringMetricsPublisher, TaggerRoleId };

        // Every GUID written in the template is one of the listed roles...
        var guids = GuidPattern().Matches(infra.TemplateText).Select(m => m.Value.ToLowerInvariant()).Distinct();
        var unlisted = guids.Except(allowed).ToList();
        Rule.Holds(unlisted.Count == 0, "no role outside the list (Blob Data Owner on host storage; Blob, Queue, Table Data Contributor and the content tagger on data; Monitoring Metrics Publisher)",
            $"unlisted ids in main.json: [{string.Join(", ", unlisted)}]");

        // ...and every assignment is scoped to one resource, never a resource group or subscription.
        foreach (var assignment in Assignments())
        {
            Rule.Holds(allowed.Contains(assignment.RoleId), "no role outside the list", $"{assignment.RoleId} on {assignment.Scope}");
            Rule.Holds(assignment.Scope.Contains("/providers/", StringComparison.Ordinal),
                "roles are assigned on single resources, not on a resource group or subscription", assignment.Scope);
        }
    }

    private sealed record Assignment(string Scope, string RoleId, string PrincipalId, string PrincipalType);

    private IEnumerable<Assignment> Assignments() => Assignments(infra.Resources);

    private IEnumerable<Assignment> AppAssignments()
    {
        var identityId = (string)infra.Identity["id"]!;
        return Assignments().Where(a => a.PrincipalId == $"[reference('{identityId}', '2023-01-31').principalId]");
    }

    private static IEnumerable<Assignment> Assignments(IEnumerable<JsonObject> resources) => InfraFixture.OfType(resources, ResourceTypes.RoleAssignment).Select(r =>
    {
        var properties = (JsonObject)r["properties"]!;
        var roleDefinitionId = (string)properties["roleDefinitionId"]!;
        return new Assignment(
            ScopeOf((string)r["id"]!),
            roleDefinitionId[(roleDefinitionId.LastIndexOf('/') + 1)..],
            (string)properties["principalId"]!,
            (string?)properties["principalType"] ?? "(not set)");
    });

    // An assignment's id is "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
    // or "[extensionResourceId('{scope}', ...)]" while its name waits on a principal id.
    private static string ScopeOf(string id)
    {
        const string expression = "[extensionResourceId('";
        if (id.StartsWith(expression, StringComparison.Ordinal))
        {
            return id[expression.Length..id.IndexOf('\'', expression.Length)];
        }

        return id[..id.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)];
    }

    /// <summary>The one custom role the template defines.</summary>
    private JsonObject TaggerRole()
    {
        var definitions = infra.OfType("Microsoft.Authorization/roleDefinitions").ToList();
        Rule.Holds(definitions.Count == 1, "the template defines one custom role, the content tagger", string.Join(", ", definitions.Select(d => d["properties"]?["roleName"])));
        return definitions[0];
    }

    private string TaggerRoleId => (string)TaggerRole()["name"]!;

    private static IEnumerable<string> Strings(JsonNode? array) => array?.AsArray().Select(v => (string)v!) ?? [];

    private string AccountId(string name) => (string)infra.Single(ResourceTypes.StorageAccount, name)["id"]!;

    private string RoleName(string id) => id == TaggerRoleId ? "Backazon content tagger" : BuiltInRoleName(id);

    private static string BuiltInRoleName(string id) => id switch
    {
        StorageBlobDataOwner => "Storage Blob Data Owner",
        StorageBlobDataContributor => "Storage Blob Data Contributor",
        StorageQueueDataContributor => "Storage Queue Data Contributor",
        StorageTableDataContributor => "Storage Table Data Contributor",
        MonitoringMetricsPublisher => "Monitoring Metrics Publisher",
        _ => id,
    };

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidPattern();
}
