using Engagement.Contracts.Population;
using Engagement.Model;

namespace Engagement.Grains.Population;

/// <summary>
/// The one mapping from the model's population statistics to the contract clients read. Lists are arrays (not
/// collection expressions typed as interfaces, whose compiler-made types Orleans cannot serialize).
/// </summary>
public static class PopulationSnapshots
{
    public static PopulationSnapshot ToSnapshot(this PopulationStatistics statistics) => new(
        statistics.Version,
        statistics.AsOf,
        statistics.Customers,
        statistics.Purchasers,
        statistics.SampledPurchasers,
        statistics.Rfm is { } rfm ? new RfmCutPoints(rfm.Recency.ToArray(), rfm.Frequency.ToArray(), rfm.Monetary.ToArray()) : null,
        new AbcSpendThresholds(statistics.Abc.MinSpendA, statistics.Abc.MinSpendB),
        statistics.RepeatGapQuantiles.ToArray(),
        statistics.ModelTimeUnitDays,
        statistics.BgNbd is { } bgNbd ? new BgNbdEstimate(bgNbd.R, bgNbd.Alpha, bgNbd.A, bgNbd.B) : null,
        ToSummary(statistics.BgNbdFit),
        statistics.GammaGamma is { } gammaGamma ? new GammaGammaEstimate(gammaGamma.P, gammaGamma.Q, gammaGamma.V) : null,
        ToSummary(statistics.GammaGammaFit),
        new Dictionary<string, long>(statistics.Counts, StringComparer.Ordinal));

    private static FitSummary? ToSummary(FitReport? report) =>
        report is null ? null : new FitSummary(report.LogLikelihood, report.Converged, report.Iterations, report.Status, report.Observations);
}
