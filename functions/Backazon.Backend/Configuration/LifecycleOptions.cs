namespace Backazon.Backend.Configuration;

/// <summary>Retention and subscription lifecycle settings (section "Lifecycle"); every one is
/// optional with the default below.</summary>
public sealed class LifecycleOptions
{
    /// <summary>Days after cancellation before an account's data is purged.</summary>
    public int PurgeAfterDays { get; set; } = 30;

    /// <summary>Hours without a completed backup after which a device is flagged stale.</summary>
    public double StaleDeviceHours { get; set; } = 36;

    /// <summary>Called (POST JSON) once per newly flagged device, when set.</summary>
    public string? StaleDeviceWebhookUrl { get; set; }

    /// <summary>Hours between content losing (or never getting) a catalog reference and its
    /// release: covers a commit that checked the content and is about to write its version.</summary>
    public double ContentReleaseDelayHours { get; set; } = 24;

    /// <summary>An account sweep re-queues itself after this many seconds of work (a function
    /// runs at most 30 minutes on Flex Consumption by default). 0: after every partition.</summary>
    public int SweepBudgetSeconds { get; set; } = 300;

    /// <summary>Rows a sweep's scan reads a page (the weekly consistency pass saves its place
    /// between pages).</summary>
    public int SweepPageSize { get; set; } = 1000;

    /// <summary>How far this clock and storage's may disagree (and longer than a commit takes
    /// from writing its references to writing its versions): the monthly consistency pass drops
    /// only references last written at least this long before it began.</summary>
    public int StorageClockSkewSeconds { get; set; } = 300;

    /// <summary>Whether checked content moves to the cold tier at once when the plan keeps it
    /// long enough (<see cref="Content.ColdAfterCheck"/>).</summary>
    public bool ColdAfterCheck { get; set; } = true;

    public TimeSpan ContentReleaseDelay => TimeSpan.FromHours(ContentReleaseDelayHours);
    public TimeSpan StaleDeviceAge => TimeSpan.FromHours(StaleDeviceHours);
}
