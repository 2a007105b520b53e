using Backazon.Backend.Errors;
using Backazon.Contracts;
using Microsoft.Extensions.Configuration;

namespace Backazon.Backend.Plans;

/// <summary>
/// The plans on sale: built-in defaults, each field overridable from configuration
/// (<c>Plans__personal__StorageQuotaBytes=...</c>), and new plans addable the same way.
/// </summary>
public sealed class PlanCatalog
{
    private const long GB = 1_000_000_000;

    public static IReadOnlyList<Plan> Defaults =>
    [
        new() { Id = "trial", DisplayName = "Trial", StorageQuotaBytes = 5 * GB, DeviceLimit = 1, MaxFileBytes = 2 * GB, VersionHistoryDays = 30, DeletedRetentionDays = 30 },
        new() { Id = "personal", DisplayName = "Personal", StorageQuotaBytes = 500 * GB, DeviceLimit = 3, MaxFileBytes = 50 * GB, VersionHistoryDays = 365, DeletedRetentionDays = 90 },
        new() { Id = "family", DisplayName = "Family", StorageQuotaBytes = 2000 * GB, DeviceLimit = 10, MaxFileBytes = 100 * GB, VersionHistoryDays = 0, DeletedRetentionDays = 365 },
    ];

    private readonly Dictionary<string, Plan> _plans;

    public PlanCatalog(IConfiguration configuration)
    {
        _plans = Defaults.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var section in configuration.GetSection("Plans").GetChildren())
        {
            if (!_plans.TryGetValue(section.Key, out var plan))
            {
                plan = new Plan { Id = section.Key.ToLowerInvariant(), DisplayName = section.Key };
                _plans[plan.Id] = plan;
            }

            section.Bind(plan);
            plan.Id = section.Key.ToLowerInvariant();
            Validate(plan);
        }
    }

    public IReadOnlyCollection<Plan> All => _plans.Values;

    public Plan Get(string id) =>
        _plans.TryGetValue(id, out var plan)
            ? plan
            : throw BackazonException.BadRequest(
                $"There is no plan '{id}'. Plans: {string.Join(", ", _plans.Keys.Order())}.", "plan");

    public static PlanView ToView(Plan p) =>
        new(p.Id, p.DisplayName, p.StorageQuotaBytes, p.DeviceLimit, p.MaxFileBytes, p.VersionHistoryDays, p.DeletedRetentionDays);

    private static void Validate(Plan plan)
    {
        if (plan.StorageQuotaBytes <= 0 || plan.DeviceLimit <= 0 || plan.MaxFileBytes <= 0
            || plan.VersionHistoryDays < 0 || plan.DeletedRetentionDays < 0)
        {
            throw new InvalidOperationException(
                $"Plan '{plan.Id}' is misconfigured: quota, device limit and largest file must be positive, history days zero (forever) or more.");
        }
    }
}
