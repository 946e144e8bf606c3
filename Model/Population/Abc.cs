namespace Engagement.Model;

/// <summary>Value tiers from the ABC (Pareto) classification.</summary>
public enum ValueTier { A, B, C }

/// <summary>Optional CLV refinement of the tiers.</summary>
public enum ClvBand { Platinum, Gold, Silver, Bronze }

/// <summary>
/// ABC spend thresholds: a customer whose net spend is at least <see cref="MinSpendA"/> is A, at least
/// <see cref="MinSpendB"/> is B, anything else (and no spend at all) is C. Null thresholds: nobody is in that class.
/// </summary>
public sealed record AbcThresholds(double? MinSpendA, double? MinSpendB)
{
    public static AbcThresholds None { get; } = new(null, null);

    public ValueTier Classify(double spend) =>
        spend <= 0 ? ValueTier.C
        : spend >= MinSpendA ? ValueTier.A
        : spend >= MinSpendB ? ValueTier.B
        : ValueTier.C;

    /// <summary>
    /// Rank spends from high to low and give whole groups of equal spend one class: a group is A while the revenue
    /// of the customers ranked above it is below <paramref name="aShare"/> of the total (so the group that reaches
    /// 80% is in A, as "the customers who together make the top 80%"), B while below aShare + bShare, else C.
    /// Ties therefore never split; a single customer, or everyone spending the same, is all A.
    /// </summary>
    public static AbcThresholds FromSpends(IEnumerable<double> spends, double aShare, double bShare)
    {
        var groups = spends.Where(s => s > 0).GroupBy(s => s).Select(g => (Spend: g.Key, Revenue: g.Key * g.Count()))
            .OrderByDescending(g => g.Spend).ToArray();
        var total = groups.Sum(g => g.Revenue);
        if (total <= 0) return None;

        double? minA = null, minB = null;
        var before = 0.0;
        foreach (var (spend, revenue) in groups)
        {
            var shareBefore = before / total;
            if (shareBefore < aShare - 1e-12) minA = spend;
            else if (shareBefore < aShare + bShare - 1e-12) minB = spend;
            else break;
            before += revenue;
        }

        return new AbcThresholds(minA, minB);
    }
}
