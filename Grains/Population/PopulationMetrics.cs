using System.Diagnostics.Metrics;
using Engagement.Contracts.Population;
using Engagement.Storage;

namespace Engagement.Grains.Population;

/// <summary>Population instruments on the <c>Engagement</c> meter: stage and tier moves, and refits.</summary>
public static class PopulationMetrics
{
    private static readonly Counter<long> Moves = EngagementMeter.Instance.CreateCounter<long>(
        "engagement.population.moves", unit: "{move}",
        description: "Customers moving between lifecycle stages or value tiers, by dimension (stage, tier) and the two stages or tiers.");

    private static readonly Histogram<double> RefitDuration = EngagementMeter.Seconds(
        "engagement.population.refit.duration",
        "Time to refit the population (sample every shard, fit the models, store the result), by result: fitted, not_fitted (BG/NBD not fitted this time: too few customers or no convergence) or failed.",
        MetricBuckets.Background);

    private static readonly Counter<long> SweepCustomers = EngagementMeter.Instance.CreateCounter<long>(
        "engagement.population.sweep.customers", unit: "{customer}",
        description: "Customers the population sweep handled, by outcome: examined (digest read), changed (traits out of date), woken (re-evaluated), failed (the wake failed).");

    private static readonly Histogram<double> SweepDuration = EngagementMeter.Seconds(
        "engagement.population.sweep.duration",
        "Time from a population sweep's start to its last bucket.",
        MetricBuckets.Background);

    /// <summary>The <c>result</c> of a refit whose BG/NBD fit converged.</summary>
    public const string Fitted = "fitted";

    /// <summary>The <c>result</c> of a refit that stored statistics without a new BG/NBD fit (too few customers, or no convergence).</summary>
    public const string NotFitted = "not_fitted";

    public const string Failed = "failed";

    /// <remarks>Stages and tiers are the rules' own names (a handful each), never a customer's.</remarks>
    public static void RecordMove(FlowDimension dimension, string from, string to) => Moves.Add(1,
        new KeyValuePair<string, object?>("dimension", dimension == FlowDimension.Stage ? "stage" : "tier"),
        new KeyValuePair<string, object?>("from", from),
        new KeyValuePair<string, object?>("to", to));

    public static void RecordRefit(TimeSpan duration, string result) =>
        RefitDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("result", result));

    public static void RecordSweep(long examined, long changed, long woken, long failed)
    {
        SweepCustomers.Add(examined, new KeyValuePair<string, object?>("outcome", "examined"));
        if (changed > 0) SweepCustomers.Add(changed, new KeyValuePair<string, object?>("outcome", "changed"));
        if (woken > 0) SweepCustomers.Add(woken, new KeyValuePair<string, object?>("outcome", "woken"));
        if (failed > 0) SweepCustomers.Add(failed, new KeyValuePair<string, object?>("outcome", "failed"));
    }

    public static void RecordSweepDuration(TimeSpan duration) => SweepDuration.Record(duration.TotalSeconds);
}
