using Engagement.Model.Clv;

namespace Engagement.Model;

/// <summary>
/// A customer's purchase history as numbers in calendar days: all that the value traits need, so that they can be
/// computed from a stored digest as well as from the live model (the population sweep does, without waking anyone).
/// </summary>
public readonly record struct PurchaseFigures(
    bool HasPurchases, int Frequency, int PurchaseDays, double RecencyDays, double AgeDays, double TotalSpend, double MeanRepeatSpend)
{
    public double? DaysSinceLastPurchase => HasPurchases ? AgeDays - RecencyDays : null;
}

/// <summary>The traits that depend on purchases and the population alone: RFM score, expected lifetime value, ABC tier, CLV band.</summary>
public readonly record struct ValueTraits(RfmScore? Rfm, ClvEstimate? Clv, ValueTier Tier, ClvBand? Band)
{
    public static ValueTraits Of(PurchaseFigures p, PopulationStatistics population, EngagementRules rules)
    {
        var rfm = p.HasPurchases && population.Rfm is { } cuts ? cuts.Score(p.DaysSinceLastPurchase!.Value, p.PurchaseDays, p.TotalSpend) : (RfmScore?)null;
        var clv = EstimateClv(p, population, rules);
        var tier = population.Abc.Classify(p.TotalSpend);
        var band = rules.Tiers.ClvBands && p.HasPurchases ? BandOf(clv?.Total ?? p.TotalSpend, rules.Tiers) : (ClvBand?)null;
        return new ValueTraits(rfm, clv, tier, band);
    }

    /// <summary>The tier as cards, digests and the feed name it: the tier, or tier/band.</summary>
    public string TierLabel => Band is { } band ? $"{Tier}/{band}" : Tier.ToString();

    private static ClvEstimate? EstimateClv(PurchaseFigures p, PopulationStatistics population, EngagementRules rules)
    {
        if (!p.HasPurchases || population.BgNbd is not { } purchases || population.GammaGamma is not { } spend) return null;
        var unit = population.ModelTimeUnitDays;
        var horizon = new ClvHorizon(rules.Clv.HorizonDays / unit, 30 / unit, 365.25 / unit, rules.Clv.AnnualDiscountRate);
        return CustomerLifetimeValue.Estimate(purchases, spend, p.Frequency, p.RecencyDays / unit, p.AgeDays / unit,
            p.MeanRepeatSpend, p.TotalSpend, horizon);
    }

    private static ClvBand BandOf(double clv, TierRules rules) =>
        clv >= rules.PlatinumMinClv ? Model.ClvBand.Platinum
        : clv >= rules.GoldMinClv ? Model.ClvBand.Gold
        : clv >= rules.SilverMinClv ? Model.ClvBand.Silver
        : Model.ClvBand.Bronze;
}
