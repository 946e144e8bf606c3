namespace Engagement.Model;

/// <summary>
/// The engagement score 0..100: interaction points with exponential decay. Stored as a value and the time it
/// was last brought up to date, and decayed on read, so no per-customer timer is needed. Saturates at 0 and 100
/// (a burst of purchases does not bank points for later).
/// </summary>
public sealed class EngagementScore
{
    public double Value { get; set; }

    /// <summary>The event time <see cref="Value"/> is current at; null before the first interaction.</summary>
    public DateTimeOffset? At { get; set; }

    /// <summary>The score at <paramref name="asOf"/>: value · 2^(−elapsed / half-life). Never "un-decays" into the past.</summary>
    public double ValueAt(DateTimeOffset asOf, double halfLifeDays) =>
        At is { } at && asOf > at ? Value * Decay(asOf - at, halfLifeDays) : Value;

    /// <summary>
    /// Adds <paramref name="points"/> that happened at <paramref name="occurredAt"/>. A late event adds its points
    /// already decayed to the stored time, so arrival order does not matter (up to the saturation at 0 and 100).
    /// </summary>
    public void Add(DateTimeOffset occurredAt, double points, double halfLifeDays)
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
    }

    private static double Decay(TimeSpan elapsed, double halfLifeDays) => Math.Pow(2, -elapsed.TotalDays / halfLifeDays);
}
