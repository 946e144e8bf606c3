using Engagement.Model.Clv;

namespace Engagement.Model;

/// <summary>
/// A customer's purchases in the form the BG/NBD and Gamma-Gamma models read: purchases grouped by
/// calendar day, so several purchases on one day count as one purchase day. Events may arrive late
/// or out of order; every figure is kept by event time, and each event costs O(1).
/// </summary>
public sealed class PurchaseSummary
{
    /// <summary>The calendar days (day numbers, see <see cref="PurchaseCalendar"/>) with at least one purchase.</summary>
    public HashSet<int> Days { get; init; } = [];

    public DateTimeOffset? FirstPurchaseAt { get; set; }

    public DateTimeOffset? LastPurchaseAt { get; set; }

    /// <summary>Sum of purchase amounts, before refunds.</summary>
    public decimal GrossSpend { get; set; }

    /// <summary>Sum of refunded amounts.</summary>
    public decimal Refunded { get; set; }

    public int PurchaseCount { get; set; }

    /// <summary>
    /// Spend on the first purchase day. Gamma-Gamma is fitted on repeat transactions only (Fader and Hardie 2013
    /// leave the first purchase out), so it is kept apart; a late purchase on an earlier day takes its place.
    /// </summary>
    public decimal FirstDaySpend { get; set; }

    public int PurchaseDays => Days.Count;

    /// <summary>Spend net of refunds, never below zero.</summary>
    public decimal TotalSpend => Math.Max(0m, GrossSpend - Refunded);

    /// <summary><c>x</c>: repeat purchase days (purchase days minus one).</summary>
    public int Frequency => Math.Max(0, Days.Count - 1);

    /// <summary><c>m</c>: mean net spend per purchase day; zero without purchases.</summary>
    public decimal MeanSpendPerDay => Days.Count == 0 ? 0m : TotalSpend / Days.Count;

    public bool HasPurchases => Days.Count > 0;

    /// <summary>
    /// <c>m_x</c> for Gamma-Gamma: mean net spend per repeat purchase day (first day excluded), zero when x = 0.
    /// Refunds carry no purchase day, so they are spread over all spend in proportion.
    /// </summary>
    public decimal MeanRepeatSpend
    {
        get
        {
            if (Frequency == 0 || GrossSpend == 0) return 0m;
            var netShare = TotalSpend / GrossSpend;
            return Math.Max(0m, GrossSpend - FirstDaySpend) * netShare / Frequency;
        }
    }

    public void AddPurchase(DateTimeOffset occurredAt, decimal amount, PurchaseCalendar calendar)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var day = calendar.DayOf(occurredAt);
        var firstDay = FirstPurchaseAt is { } first ? calendar.DayOf(first) : int.MaxValue;
        if (day < firstDay) FirstDaySpend = amount;
        else if (day == firstDay) FirstDaySpend += amount;
        Days.Add(day);
        PurchaseCount++;
        GrossSpend += amount;
        if (FirstPurchaseAt is null || occurredAt < FirstPurchaseAt) FirstPurchaseAt = occurredAt;
        if (LastPurchaseAt is null || occurredAt > LastPurchaseAt) LastPurchaseAt = occurredAt;
    }

    public void AddRefund(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        Refunded += amount;
    }

    /// <summary><c>t_x</c>: time from the first to the last purchase day, in days.</summary>
    public double RecencyDays(PurchaseCalendar calendar) =>
        HasPurchases ? calendar.DayOf(LastPurchaseAt!.Value) - calendar.DayOf(FirstPurchaseAt!.Value) : 0;

    /// <summary><c>T</c>: time from the first purchase day to <paramref name="asOf"/>, in days (never negative).</summary>
    public double AgeDays(DateTimeOffset asOf, PurchaseCalendar calendar) =>
        HasPurchases ? Math.Max(0, calendar.DayOf(asOf) - calendar.DayOf(FirstPurchaseAt!.Value)) : 0;

    /// <summary>(x, t_x, T) in the model's time unit of <paramref name="daysPerUnit"/> days (7 for weeks).</summary>
    public BgNbdObservation ToBgNbd(DateTimeOffset asOf, PurchaseCalendar calendar, double daysPerUnit) =>
        new(Frequency, RecencyDays(calendar) / daysPerUnit, Math.Max(RecencyDays(calendar), AgeDays(asOf, calendar)) / daysPerUnit);

    /// <summary>(x, m_x) for Gamma-Gamma, m_x over repeat purchase days.</summary>
    public SpendObservation ToSpend() => new(Frequency, (double)MeanRepeatSpend);
}

/// <summary>Maps instants to calendar day numbers in the business's time zone (UTC by default).</summary>
public sealed class PurchaseCalendar(TimeZoneInfo timeZone)
{
    public static PurchaseCalendar Utc { get; } = new(TimeZoneInfo.Utc);

    public TimeZoneInfo TimeZone { get; } = timeZone;

    /// <summary>Days since 0001-01-01 of the local calendar date of <paramref name="instant"/>.</summary>
    public int DayOf(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime).DayNumber;

    /// <summary>The first instant of local day <paramref name="dayNumber"/> (skipping forward over a DST gap at midnight).</summary>
    public DateTimeOffset StartOfDay(int dayNumber)
    {
        var local = DateOnly.FromDayNumber(dayNumber).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (TimeZone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local));
    }
}
