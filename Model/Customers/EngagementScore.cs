namespace Engagement.Model;

/// <summary>
/// The engagement score 0..100: interaction points with exponential decay. Stored as a value and the time it
/// was last brought up to date, and decayed on read, so no per-customer timer is needed. Saturates at 0 and 100
/// (a burst of purchases does not bank points for later).
/// </summary>
public sealed class EngagementScore
{
    /// <summary>How many of the latest contributions the score keeps to explain itself on the card.</summary>
    public const int RecentCapacity = 6;

    public double Value { get; set; }

    /// <summary>
    /// The latest contributions, newest first (at most <see cref="RecentCapacity"/>): what moved the score, by how
    /// much, and where it stood after, so that "10 → 0 after a purchase and a complaint" explains itself (−10 from a
    /// high-severity complaint; the score stops at 0).
    /// </summary>
    public List<EngagementContribution> Recent { get; init; } = [];

    /// <summary>The event time <see cref="Value"/> is current at; null before the first interaction.</summary>
    public DateTimeOffset? At { get; set; }

    /// <summary>The score at <paramref name="asOf"/>: value · 2^(−elapsed / half-life). Never "un-decays" into the past.</summary>
    public double ValueAt(DateTimeOffset asOf, double halfLifeDays) =>
        At is { } at && asOf > at ? Value * Decay(asOf - at, halfLifeDays) : Value;

    /// <summary>
    /// Adds <paramref name="points"/> that happened at <paramref name="occurredAt"/>. A late event adds its points
    /// already decayed to the stored time, so arrival order does not matter (up to the saturation at 0 and 100).
    /// </summary>
    public void Add(DateTimeOffset occurredAt, double points, double halfLifeDays, string cause = "")
    {
        if (At is not { } at || occurredAt >= at)
        {
            Value = Math.Clamp(ValueAt(occurredAt, halfLifeDays) + points, 0, 100);
            At = occurredAt;
        }
        else
        {
            Value = Math.Clamp(Value + points * Decay(at - occurredAt, halfLifeDays), 0, 100);
        }

        if (points == 0) return;
        // Newest by event time first; a late event takes its place in that order.
        var index = Recent.FindIndex(c => c.At <= occurredAt);
        if (index < 0) index = Recent.Count;
        if (index >= RecentCapacity) return;
        Recent.Insert(index, new EngagementContribution(occurredAt, cause, points, Value));
        if (Recent.Count > RecentCapacity) Recent.RemoveRange(RecentCapacity, Recent.Count - RecentCapacity);
    }

    private static double Decay(TimeSpan elapsed, double halfLifeDays) => Math.Pow(2, -elapsed.TotalDays / halfLifeDays);
}

/// <summary>
/// One event's effect on the engagement score: its <see cref="Points"/> (before decay) and the score just after, as
/// stored (0..100: points beyond either end are lost, which is why a −10 can take 10 to 0 and a second −10 does nothing).
/// </summary>
public sealed record EngagementContribution(DateTimeOffset At, string Cause, double Points, double ScoreAfter);
