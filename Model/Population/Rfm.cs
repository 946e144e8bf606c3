namespace Engagement.Model;

/// <summary>The eleven named RFM groups.</summary>
public enum RfmGroup
{
    Champions,
    Loyal,
    PotentialLoyalist,
    New,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CantLoseThem,
    Hibernating,
    Lost,
}

/// <summary>An RFM cell: each of recency, frequency, monetary scored 1..5 (5 is best).</summary>
public readonly record struct RfmScore(int R, int F, int M)
{
    /// <summary>The three digits, e.g. "555".</summary>
    public string Cell => $"{R}{F}{M}";

    /// <summary>The combined frequency-monetary score, ⌈(F + M) / 2⌉, on which the named groups are laid out.</summary>
    public int FM => (F + M + 1) / 2;

    public RfmGroup Group => Rfm.GroupOf(R, FM);

    public override string ToString() => Cell;
}

/// <summary>
/// RFM scoring against the population's quintile cut points, and the map from the 125 cells to the named
/// groups. Quintiles are the 20/40/60/80% nearest-rank quantiles of the purchasing customers. A value at or
/// below the first cut point is in the bottom fifth: for frequency and monetary value (higher is better) that
/// scores 1, for recency in days (lower is better) it scores 5.
/// <para>
/// The 125 cells map to groups through R and FM = ⌈(F + M) / 2⌉ (the usual R × FM grid; columns R, rows FM):
/// <code>
///          R=1              R=2           R=3             R=4                 R=5
/// FM=5  Can't Lose Them  At Risk       Loyal           Champions           Champions
/// FM=4  Can't Lose Them  At Risk       Loyal           Loyal               Champions
/// FM=3  At Risk          At Risk       Need Attention  Potential Loyalist  Potential Loyalist
/// FM=2  Lost             Hibernating   About to Sleep  Potential Loyalist  Potential Loyalist
/// FM=1  Lost             Hibernating   About to Sleep  Promising           New
/// </code>
/// So 555 and 544 are Champions, 511 New, 411 Promising, 155 Can't Lose Them, 111 Lost.
/// </para>
/// </summary>
public static class Rfm
{
    private static readonly RfmGroup[,] Grid =
    {
        // FM = 1..5 (rows), R = 1..5 (columns)
        { RfmGroup.Lost, RfmGroup.Hibernating, RfmGroup.AboutToSleep, RfmGroup.Promising, RfmGroup.New },
        { RfmGroup.Lost, RfmGroup.Hibernating, RfmGroup.AboutToSleep, RfmGroup.PotentialLoyalist, RfmGroup.PotentialLoyalist },
        { RfmGroup.AtRisk, RfmGroup.AtRisk, RfmGroup.NeedAttention, RfmGroup.PotentialLoyalist, RfmGroup.PotentialLoyalist },
        { RfmGroup.CantLoseThem, RfmGroup.AtRisk, RfmGroup.Loyal, RfmGroup.Loyal, RfmGroup.Champions },
        { RfmGroup.CantLoseThem, RfmGroup.AtRisk, RfmGroup.Loyal, RfmGroup.Champions, RfmGroup.Champions },
    };

    public static RfmGroup GroupOf(int r, int fm)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(r, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(r, 5);
        ArgumentOutOfRangeException.ThrowIfLessThan(fm, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fm, 5);
        return Grid[fm - 1, r - 1];
    }

    /// <summary>The display name, e.g. "Can't Lose Them".</summary>
    public static string DisplayName(RfmGroup group) => group switch
    {
        RfmGroup.PotentialLoyalist => "Potential Loyalist",
        RfmGroup.NeedAttention => "Need Attention",
        RfmGroup.AboutToSleep => "About to Sleep",
        RfmGroup.AtRisk => "At Risk",
        RfmGroup.CantLoseThem => "Can't Lose Them",
        _ => group.ToString(),
    };

    /// <summary>Score a higher-is-better value: 1 + the number of cut points it exceeds.</summary>
    public static int ScoreHigherIsBetter(double value, IReadOnlyList<double> cuts) => 1 + cuts.Count(c => value > c);

    /// <summary>Score a lower-is-better value: 5 − the number of cut points it exceeds.</summary>
    public static int ScoreLowerIsBetter(double value, IReadOnlyList<double> cuts) => 5 - cuts.Count(c => value > c);

    /// <summary>The 20/40/60/80% nearest-rank quantiles of <paramref name="sortedValues"/> (ascending).</summary>
    public static double[] QuintileCuts(IReadOnlyList<double> sortedValues) =>
        sortedValues.Count == 0 ? [] : [.. QuintileShares.Select(q => Quantile(sortedValues, q))];

    private static readonly double[] QuintileShares = [0.2, 0.4, 0.6, 0.8];

    /// <summary>Nearest-rank quantile: the smallest value with at least a share <paramref name="q"/> of values at or below it.</summary>
    public static double Quantile(IReadOnlyList<double> sortedValues, double q) =>
        sortedValues[Math.Clamp((int)Math.Ceiling(q * sortedValues.Count - 1e-9) - 1, 0, sortedValues.Count - 1)];
}

/// <summary>Quintile cut points (four each) of days since the last purchase, purchase days and net spend.</summary>
public sealed record RfmCuts(double[] Recency, double[] Frequency, double[] Monetary)
{
    public RfmScore Score(double daysSinceLastPurchase, int purchaseDays, double totalSpend) => new(
        Rfm.ScoreLowerIsBetter(daysSinceLastPurchase, Recency),
        Rfm.ScoreHigherIsBetter(purchaseDays, Frequency),
        Rfm.ScoreHigherIsBetter(totalSpend, Monetary));
}
