namespace Engagement.Model.Clv;

/// <summary>
/// How far ahead to value a customer and how to discount: <paramref name="Horizon"/> and <paramref name="Step"/>
/// in the model's time unit, <paramref name="UnitsPerYear"/> of that unit (52.1775 for weeks, 365.25 for days),
/// and an annual discount rate (0.10 = 10%).
/// </summary>
public sealed record ClvHorizon(double Horizon, double Step, double UnitsPerYear, double AnnualDiscountRate)
{
    public static ClvHorizon OneYearInWeeks(double annualDiscountRate) => new(52, 1, 365.25 / 7, annualDiscountRate);
}

/// <summary>Historical spend plus the discounted value the models expect over the horizon.</summary>
public sealed record ClvEstimate(
    double ProbabilityAlive,
    double ExpectedPurchases,
    double ExpectedSpendPerPurchase,
    double HistoricalSpend,
    double PredictedValue)
{
    /// <summary>CLV as the domain defines it: historical spend + predicted future value.</summary>
    public double Total => HistoricalSpend + PredictedValue;
}

/// <summary>
/// Customer lifetime value from BG/NBD (how many purchases) and Gamma-Gamma (how much each):
/// <code>
/// predicted = E[M | x, m] · Σₖ₌₁..K ( E[Y(kΔ) | x, t_x, T] − E[Y((k−1)Δ) | x, t_x, T] ) / (1 + d)^(kΔ / U)
/// CLV       = historical spend + predicted
/// </code>
/// with Δ the step, K = ⌈horizon / Δ⌉, d the annual discount rate and U the time units per year: the
/// purchases expected in each step are valued at the expected spend and discounted to today from the end of
/// that step. This is the discrete form used by the CLV literature's open-source implementations (lifetimes,
/// PyMC-Marketing); with d = 0 it reduces to E[M] · E[Y(horizon)].
/// </summary>
public static class CustomerLifetimeValue
{
    public static ClvEstimate Estimate(
        BgNbdParameters purchases,
        GammaGammaParameters spend,
        double x,
        double tx,
        double t,
        double meanRepeatSpend,
        double historicalSpend,
        ClvHorizon horizon)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon.Step);
        ArgumentOutOfRangeException.ThrowIfNegative(horizon.Horizon);
        var expectedSpend = GammaGamma.ConditionalExpectedSpend(spend, x, meanRepeatSpend);
        var steps = (int)Math.Ceiling(horizon.Horizon / horizon.Step - 1e-9);
        var previous = 0.0;
        var discountedPurchases = 0.0;
        for (var k = 1; k <= steps; k++)
        {
            var end = Math.Min(k * horizon.Step, horizon.Horizon);
            var cumulative = BgNbd.ExpectedPurchases(purchases, end, x, tx, t);
            discountedPurchases += (cumulative - previous) / Math.Pow(1 + horizon.AnnualDiscountRate, end / horizon.UnitsPerYear);
            previous = cumulative;
        }

        return new ClvEstimate(
            BgNbd.ProbabilityAlive(purchases, x, tx, t),
            previous,
            expectedSpend,
            historicalSpend,
            expectedSpend * discountedPurchases);
    }
}
