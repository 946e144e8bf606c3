using Engagement.Model.Clv;

namespace Engagement.Model;

/// <summary>How a model fit went, kept beside the parameters it produced.</summary>
public sealed record FitReport(double? LogLikelihood, bool Converged, int Iterations, string Status, double Observations)
{
    public static FitReport From<T>(ModelFit<T> fit) => new(fit.LogLikelihood, fit.Converged, fit.Iterations, fit.Status, fit.Observations);
}

/// <summary>
/// What a customer's evaluation needs to know about everybody else: RFM quintile cut points, ABC spend thresholds,
/// the repeat customers' rhythm (for silent one-time buyers) and the fitted BG/NBD and Gamma-Gamma parameters, as
/// of a time and with a version. Built by <see cref="Build"/> from a merged <see cref="PopulationSample"/>.
/// </summary>
public sealed record PopulationStatistics
{
    public static PopulationStatistics Empty { get; } = new();

    public long Version { get; init; }

    public DateTimeOffset AsOf { get; init; }

    public long Customers { get; init; }

    public long Purchasers { get; init; }

    /// <summary>Purchasers the statistics were computed from (all of them unless the sample was full).</summary>
    public long SampledPurchasers { get; init; }

    /// <summary>Null until there is at least one purchasing customer.</summary>
    public RfmCuts? Rfm { get; init; }

    public AbcThresholds Abc { get; init; } = AbcThresholds.None;

    /// <summary>
    /// Repeat customers' mean days between purchase days (t_x / x) at the 0, 5, …, 100% quantiles; empty without
    /// repeat customers. Used to judge a one-time buyer's silence against the population's rhythm.
    /// </summary>
    public double[] RepeatGapQuantiles { get; init; } = [];

    /// <summary>The time unit of the model parameters, in days.</summary>
    public double ModelTimeUnitDays { get; init; } = 7;

    public BgNbdParameters? BgNbd { get; init; }

    public FitReport? BgNbdFit { get; init; }

    public GammaGammaParameters? GammaGamma { get; init; }

    public FitReport? GammaGammaFit { get; init; }

    /// <summary>Exact counts by label from the sample (stages, tiers, segments).</summary>
    public Dictionary<string, long> Counts { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The share of repeat customers whose mean gap between purchase days is at least <paramref name="silenceDays"/>,
    /// linearly interpolated between the stored quantiles: 1 for no silence, falling to 0 past the slowest rhythm.
    /// Null without repeat customers.
    /// </summary>
    public double? ShareOfRhythmsAtLeast(double silenceDays)
    {
        var q = RepeatGapQuantiles;
        if (q.Length < 2) return null;
        if (silenceDays <= q[0]) return 1;
        if (silenceDays >= q[^1]) return 0;
        var steps = q.Length - 1;
        var k = Array.FindLastIndex(q, v => v <= silenceDays);
        var within = q[k + 1] > q[k] ? (silenceDays - q[k]) / (q[k + 1] - q[k]) : 0;
        return 1 - (k + within) / steps;
    }

    /// <summary>
    /// Computes the statistics from a (merged) sample. A model that cannot be fitted (too little data) or whose
    /// optimiser does not converge keeps the <paramref name="previous"/> parameters, and its report says so.
    /// </summary>
    public static PopulationStatistics Build(PopulationSample sample, DateTimeOffset asOf, long version, EngagementRules rules, PopulationStatistics? previous = null)
    {
        var members = sample.Members;
        var unit = rules.Clv.ModelTimeUnitDays;
        var repeaters = members.Where(m => m.Frequency > 0).ToArray();

        var (bgNbd, bgNbdFit) = FitOrKeep(
            () => Clv.BgNbd.Fit(members.GroupBy(m => (m.Frequency, m.RecencyDays, m.AgeDays))
                .Select(g => new BgNbdObservation(g.Key.Frequency, g.Key.RecencyDays / unit, g.Key.AgeDays / unit, g.Count())).ToArray()),
            previous?.BgNbd);
        var (gammaGamma, gammaGammaFit) = FitOrKeep(
            () => Clv.GammaGamma.Fit(repeaters.GroupBy(m => (m.Frequency, m.MeanRepeatSpend))
                .Select(g => new SpendObservation(g.Key.Frequency, g.Key.MeanRepeatSpend, g.Count())).ToArray()),
            previous?.GammaGamma);

        var gaps = repeaters.Select(m => m.RecencyDays / m.Frequency).Order().ToArray();
        return new PopulationStatistics
        {
            Version = version,
            AsOf = asOf,
            Customers = sample.Customers,
            Purchasers = sample.Purchasers,
            SampledPurchasers = members.Count,
            Rfm = members.Count == 0 ? null : new RfmCuts(
                Model.Rfm.QuintileCuts(members.Select(m => m.DaysSinceLastPurchase).Order().ToArray()),
                Model.Rfm.QuintileCuts(members.Select(m => (double)m.PurchaseDays).Order().ToArray()),
                Model.Rfm.QuintileCuts(members.Select(m => m.TotalSpend).Order().ToArray())),
            Abc = AbcThresholds.FromSpends(members.Select(m => m.TotalSpend), rules.Tiers.AShare, rules.Tiers.BShare),
            RepeatGapQuantiles = gaps.Length == 0 ? [] : [.. Enumerable.Range(0, 21).Select(k => k == 0 ? gaps[0] : Model.Rfm.Quantile(gaps, k / 20.0))],
            ModelTimeUnitDays = unit,
            BgNbd = bgNbd,
            BgNbdFit = bgNbdFit,
            GammaGamma = gammaGamma,
            GammaGammaFit = gammaGammaFit,
            Counts = new Dictionary<string, long>(sample.Counts, StringComparer.Ordinal),
        };
    }

    private static (T? Parameters, FitReport Report) FitOrKeep<T>(Func<ModelFit<T>> fit, T? previous) where T : class
    {
        try
        {
            var result = fit();
            return result.Converged
                ? (result.Parameters, FitReport.From(result))
                : (previous, FitReport.From(result) with { Status = result.Status + (previous is null ? "; no parameters in use" : "; previous parameters kept") });
        }
        catch (ArgumentException e)
        {
            return (previous, new FitReport(null, false, 0, e.Message + (previous is null ? "" : "; previous parameters kept"), 0));
        }
    }
}
