using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Microsoft.Extensions.Configuration;

namespace Backazon.UnitTests.Backend;

public sealed class PlanCatalogTests
{
    [Fact]
    public void Defaults_OfferTrialPersonalFamily()
    {
        var catalog = new PlanCatalog(new ConfigurationBuilder().Build());
        Assert.Equal(["family", "personal", "trial"], catalog.All.Select(p => p.Id).Order());
        Assert.Equal(1, catalog.Get("trial").DeviceLimit);
    }

    [Fact]
    public void Configuration_OverridesOneFieldAndAddsPlans()
    {
        var catalog = new PlanCatalog(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Plans:personal:DeviceLimit"] = "5",
            ["Plans:Pro:DisplayName"] = "Pro",
            ["Plans:Pro:StorageQuotaBytes"] = "1000",
            ["Plans:Pro:DeviceLimit"] = "2",
            ["Plans:Pro:MaxFileBytes"] = "100",
        }).Build());

        Assert.Equal(5, catalog.Get("personal").DeviceLimit);
        Assert.Equal(500_000_000_000, catalog.Get("personal").StorageQuotaBytes);
        Assert.Equal("Pro", catalog.Get("pro").DisplayName);
    }

    [Fact]
    public void Configuration_ImpossiblePlan_FailsAtStart()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Plans:trial:DeviceLimit"] = "0",
        }).Build();
        Assert.Throws<InvalidOperationException>(() => new PlanCatalog(configuration));
    }

    [Fact]
    public void Get_UnknownPlan_NamesThePlansThatExist()
    {
        var catalog = new PlanCatalog(new ConfigurationBuilder().Build());
        var refused = Assert.Throws<BackazonException>(() => catalog.Get("gold"));
        Assert.Equal("plan", refused.Field);
        Assert.Contains("family, personal, trial", refused.Detail);
    }
}
