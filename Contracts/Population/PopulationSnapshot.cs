namespace Engagement.Contracts.Population;

/// <summary>
/// The population's statistics as clients see them (<c>GET /api/population</c>, <c>POST /api/population/refit</c>):
/// what the model's statistics hold, as plain data. The JSON names of its members are a public contract.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PopulationSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] long Customers,
    [property: Id(3)] long Purchasers,
    [property: Id(4)] long SampledPurchasers,
    [property: Id(5)] RfmCutPoints? Rfm,
    [property: Id(6)] AbcSpendThresholds Abc,
    [property: Id(7)] IReadOnlyList<double> RepeatGapQuantiles,
    [property: Id(8)] double ModelTimeUnitDays,
    [property: Id(9)] BgNbdEstimate? BgNbd,
    [property: Id(10)] FitSummary? BgNbdFit,
    [property: Id(11)] GammaGammaEstimate? GammaGamma,
    [property: Id(12)] FitSummary? GammaGammaFit,
    [property: Id(13)] IReadOnlyDictionary<string, long> Counts);

/// <summary>Quintile cut points (four each) of days since the last purchase, purchase days and net spend.</summary>
[GenerateSerializer, Immutable]
public sealed record RfmCutPoints(
    [property: Id(0)] IReadOnlyList<double> Recency,
    [property: Id(1)] IReadOnlyList<double> Frequency,
    [property: Id(2)] IReadOnlyList<double> Monetary);

/// <summary>The least net spend of tier A and of tier B; null: nobody is in that tier.</summary>
[GenerateSerializer, Immutable]
public sealed record AbcSpendThresholds([property: Id(0)] double? MinSpendA, [property: Id(1)] double? MinSpendB);

/// <summary>Fitted BG/NBD parameters: purchase rates λ ~ Gamma(r, α), drop-out probabilities p ~ Beta(a, b).</summary>
[GenerateSerializer, Immutable]
public sealed record BgNbdEstimate([property: Id(0)] double R, [property: Id(1)] double Alpha, [property: Id(2)] double A, [property: Id(3)] double B);

/// <summary>Fitted Gamma-Gamma parameters of spend per transaction.</summary>
[GenerateSerializer, Immutable]
public sealed record GammaGammaEstimate([property: Id(0)] double P, [property: Id(1)] double Q, [property: Id(2)] double V);

/// <summary>How a model fit went: a fit that did not converge says why in <see cref="Status"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record FitSummary(
    [property: Id(0)] double? LogLikelihood,
    [property: Id(1)] bool Converged,
    [property: Id(2)] int Iterations,
    [property: Id(3)] string Status,
    [property: Id(4)] double Observations);
