using System.Globalization;

namespace Engagement.Model;

/// <summary>What a decision-log entry records: a move of stage, tier or risk band, or an agent's recorded contact outcome.</summary>
public enum DecisionKind { Stage, Tier, Risk, Outcome, Identity }

/// <summary>A recorded change of stage, tier or churn-risk band, with its cause.</summary>
public sealed record DecisionLogEntry(DateTimeOffset At, DecisionKind Kind, string From, string To, string Cause);

/// <summary>Everything computed about a customer at one time: what the agent's card shows.</summary>
public sealed record CustomerTraits
{
    public required DateTimeOffset AsOf { get; init; }

    /// <summary>x: repeat purchase days.</summary>
    public required int Frequency { get; init; }

    public required int PurchaseDays { get; init; }

    /// <summary>t_x and T in days.</summary>
    public required double RecencyDays { get; init; }

    public required double AgeDays { get; init; }

    public required double? DaysSinceLastPurchase { get; init; }

    public required decimal TotalSpend { get; init; }

    public required decimal MeanSpend { get; init; }

    public required RfmScore? Rfm { get; init; }

    public required RfmGroup? RfmGroup { get; init; }

    public required ValueTier Tier { get; init; }

    public required ClvBand? ClvBand { get; init; }

    public required double ProbabilityAlive { get; init; }

    /// <summary>BG/NBD expected purchases over the CLV horizon; 0 without a fitted model.</summary>
    public required double ExpectedPurchases { get; init; }

    /// <summary>Gamma-Gamma expected spend per purchase; 0 without a fitted model.</summary>
    public required double ExpectedSpend { get; init; }

    public required double PredictedValue { get; init; }

    /// <summary>Historical spend + predicted (discounted) value over the horizon.</summary>
    public required double Clv { get; init; }

    public required double Engagement { get; init; }

    public required SatisfactionSnapshot Satisfaction { get; init; }

    public required ChurnRisk ChurnRisk { get; init; }

    public required LifecycleStage Stage { get; init; }

    public required NextBestAction NextBestAction { get; init; }

    public IReadOnlyList<string> Segments { get; init; } = [];

    /// <summary>When silence alone will push the churn risk into the next band; null when it cannot (or no purchase).</summary>
    public required DateTimeOffset? NextRiskCrossing { get; init; }

    /// <summary>
    /// The names segment rules can use, computed traits first, then profile attributes: tier, clv_band, stage,
    /// rfm, rfm_group, r, f, m, frequency, purchase_days, recency_days (days since last purchase), t_x, age_days,
    /// total_spend (monetary), mean_spend, p_alive, expected_purchases, expected_spend, predicted_value, clv,
    /// engagement, churn_risk, risk_band, csat, nps, nps_category, open_complaints, open_high_complaints.
    /// </summary>
    public TraitValue? Lookup(string name, IReadOnlyDictionary<string, string> profile)
    {
        static TraitValue N(double value) => TraitValue.Of(value);
        static TraitValue T(string value) => TraitValue.Of(value);
        TraitValue? computed = name switch
        {
            "tier" => T(Tier.ToString()),
            "clv_band" => ClvBand is { } band ? T(band.ToString()) : null,
            "stage" => T(Stage.ToString()),
            "rfm" => Rfm is { } rfm ? T(rfm.Cell) : null,
            "rfm_group" => RfmGroup is { } group ? T(group.ToString()) : null,
            "r" => Rfm is { } rfm ? N(rfm.R) : null,
            "f" => Rfm is { } rfm ? N(rfm.F) : null,
            "m" => Rfm is { } rfm ? N(rfm.M) : null,
            "frequency" or "x" => N(Frequency),
            "purchase_days" => N(PurchaseDays),
            "recency_days" => DaysSinceLastPurchase is { } days ? N(days) : null,
            "t_x" => N(RecencyDays),
            "age_days" => N(AgeDays),
            "total_spend" or "monetary" => N((double)TotalSpend),
            "mean_spend" => N((double)MeanSpend),
            "p_alive" => N(ProbabilityAlive),
            "expected_purchases" => N(ExpectedPurchases),
            "expected_spend" => N(ExpectedSpend),
            "predicted_value" => N(PredictedValue),
            "clv" => N(Clv),
            "engagement" => N(Engagement),
            "churn_risk" => N(ChurnRisk.Value),
            "risk_band" => T(ChurnRisk.Band.ToString()),
            "csat" => Satisfaction.CsatMean is { } csat ? N(csat) : null,
            "nps" => Satisfaction.LastNps is { } nps ? N(nps) : null,
            "nps_category" => Satisfaction.NpsCategory is { } category ? T(category.ToString()) : null,
            "open_complaints" => N(Satisfaction.OpenComplaints.Count),
            "open_high_complaints" => N(Satisfaction.OpenComplaints.Count(c => c.Severity == ComplaintSeverity.High)),
            _ => null,
        };
        return computed ?? (profile.TryGetValue(name, out var attribute) ? T(attribute) : null);
    }

    public string TierLabel => ClvBand is { } band ? string.Create(CultureInfo.InvariantCulture, $"{Tier}/{band}") : Tier.ToString();
}

/// <summary>The result of an evaluation: the traits, and the decision-log entries it added (newest first).</summary>
public sealed record CustomerEvaluation(CustomerTraits Traits, IReadOnlyList<DecisionLogEntry> Changes);
