using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Retention;

/// <summary>
/// The <c>Engagement:Retention</c> section: how long the journal and the alert history keep what the engine no longer needs
/// (docs/operations.md, Retention). The change feed keeps its own horizon, <c>Engagement:Changes:Retention</c>.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Engagement:Retention";

    /// <summary>The smallest dedup window the engine promises: exactly-once holds for at least this many latest events per customer.</summary>
    public const int MinDedupWindowEvents = 10_000;

    /// <summary>Whether the retention job runs at all (off: the journal and the alert history are kept forever).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A journal entry recorded longer ago than this may be deleted, once the customer's checkpoint holds it and it is not
    /// among the customer's last <see cref="DedupWindowEvents"/> entries.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "36500.00:00:00")]
    public TimeSpan JournalHorizon { get; set; } = TimeSpan.FromDays(400);

    /// <summary>
    /// The dedup window: a customer's last this-many journal entries are never deleted, so a resend of any of them is
    /// always a duplicate (as is one of any entry recorded within <see cref="JournalHorizon"/>).
    /// </summary>
    [Range(MinDedupWindowEvents, 100_000_000)]
    public int DedupWindowEvents { get; set; } = MinDedupWindowEvents;

    /// <summary>A resolved alert resolved longer ago than this goes, with its change history; an alert not resolved never does.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "36500.00:00:00")]
    public TimeSpan AlertHistoryHorizon { get; set; } = TimeSpan.FromDays(400);

    /// <summary>How often the retention job runs (its first run is one interval after the start).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The most rows one delete statement removes, in a transaction of its own (what ingest may wait behind).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1_000;

    /// <summary>The pause after each batch and each page of customers: the job's throttle, so that it never takes the store for long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan PauseBetweenBatches { get; set; } = TimeSpan.FromMilliseconds(20);
}

[OptionsValidator]
public sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
