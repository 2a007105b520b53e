using Backazon.Backend.Catalog;
using Backazon.Contracts;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>A whole listing for a test to look at: the backend's own walk, page after page to the end.</summary>
public static class CatalogListing
{
    public static async Task<List<CatalogItem>> AllAsync(this CatalogWalk walk, CatalogWalkScope scope)
    {
        var items = new List<CatalogItem>();
        for (CatalogWalkPosition? at = CatalogWalkPosition.Start(scope.Root); at is not null;)
        {
            at = await walk.NextAsync(scope, at, items, RestoreLimits.PageSize);
        }

        return items;
    }
}
