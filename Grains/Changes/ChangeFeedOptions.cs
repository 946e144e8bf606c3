using System.ComponentModel.DataAnnotations;

namespace Engagement.Grains.Changes;

/// <summary>The <c>Engagement:Changes</c> section: the change feed's retention and how its readers follow it.</summary>
public sealed class ChangeFeedOptions
{
    public const string Section = "Engagement:Changes";

    /// <summary>How long a change stays in the feed; older ones are deleted, whether every webhook subscriber has had them or not.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the retention cleanup runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often readers look at the store without a signal: commits of this process wake them at once; this catches those of
    /// other processes (the silos of a cluster, seen from a gateway).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The changes one read takes (a watcher's page; the relay's batch).</summary>
    [Range(1, 10_000)]
    public int PageSize { get; set; } = 500;

    /// <summary>
    /// How long a gateway holds a webhook subscriber's delivery (renewed every third of it while it runs): another gateway of
    /// the cluster takes it over this long after the holder stopped.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WebhookLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The CloudEvents <c>source</c>; by default <c>/engagement/</c> and the cluster id.</summary>
    public string? Source { get; set; }
}
