namespace Backazon.Infra.Tests;

/// <summary>No storage key, SAS or connection string is read or written anywhere: the data
/// account is reached by identity only.</summary>
[Collection(InfraCollection.Name)]
public sealed class SecretsTests(InfraFixture infra)
{
    // ARM functions that read keys or mint key-signed SAS, and the parts of a key-based connection string.
    private static readonly string[] Forbidden =
        ["listKeys", "listAccountSas", "listServiceSas", "AccountKey", "DefaultEndpointsProtocol", "SharedAccessSignature", "SharedAccessKey"];

    [Fact]
    public void Template_HasNoStorageKeyOrConnectionString()
    {
        var found = new List<string>();
        foreach (var (file, text) in new[] { ("main.json", infra.TemplateText), ("ci.snapshot.json", infra.SnapshotText) })
        {
            foreach (var token in Forbidden)
            {
                var at = text.IndexOf(token, StringComparison.OrdinalIgnoreCase);
                if (at >= 0)
                {
                    found.Add($"{file}: '{token}' in …{text[Math.Max(0, at - 80)..Math.Min(text.Length, at + 80)]}…");
                }
            }
        }

        Rule.Holds(found.Count == 0, "no storage account key, key-signed SAS or connection string anywhere in the template", string.Join("\n", found));
    }

    [Fact]
    public void AppSettings_HaveNoConnectionStringForm()
    {
        // "DataStorage" and "AzureWebJobsStorage" alone are the connection-string forms; in Azure
        // only their identity-based "__" forms may exist.
        var settings = infra.AppSettings.Keys.Where(k => k is "DataStorage" or "AzureWebJobsStorage").ToList();

        Rule.Holds(settings.Count == 0, "storage connections are identity-based (Name__serviceUri/__credential), never a connection string setting",
            $"found: [{string.Join(", ", settings)}]");
    }
}
