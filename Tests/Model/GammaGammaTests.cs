using Engagement.Model.Clv;
using MathNet.Numerics.Distributions;

namespace Engagement.Tests.Model;

public sealed class GammaGammaTests
{
    [Fact]
    public void Fitting_data_simulated_from_the_model_recovers_its_parameters()
    {
        // 10,000 repeat customers with 1..10 repeat transactions each; bounds of 15% (p, q) and 20% (γ), the
        // parameters being strongly correlated (only p·γ/(q−1) is sharply identified, checked to 3%).
        var truth = new GammaGammaParameters(6.25, 3.74, 15.44);
        var data = Simulate(truth, 10_000, new Random(1306));
        var fit = GammaGamma.Fit(data);

        Assert.True(fit.Converged, fit.Status);
        Assert.Equal(truth.P, fit.Parameters.P, 0.15 * truth.P);
        Assert.Equal(truth.Q, fit.Parameters.Q, 0.15 * truth.Q);
        Assert.Equal(truth.V, fit.Parameters.V, 0.20 * truth.V);
        Assert.Equal(truth.PopulationMeanSpend, fit.Parameters.PopulationMeanSpend, 0.03 * truth.PopulationMeanSpend);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 20)]
    [InlineData(5, 60)]
    [InlineData(50, 10)]
    public void Conditional_spend_weighs_the_population_mean_against_the_customers_own(double x, double m)
    {
        var parameters = new GammaGammaParameters(6.25, 3.74, 15.44);
        var weight = parameters.P * x / (parameters.P * x + parameters.Q - 1);
        var expected = (1 - weight) * parameters.PopulationMeanSpend + weight * m;
        Assert.Equal(expected, GammaGamma.ConditionalExpectedSpend(parameters, x, m), 1e-9);
    }

    [Fact]
    public void Ignores_customers_without_repeat_purchases_and_needs_some()
    {
        Assert.Throws<ArgumentException>(() => GammaGamma.Fit([new SpendObservation(0, 10), new SpendObservation(0, 20), new SpendObservation(3, 15)]));
    }

    /// <summary>ν ~ Gamma(q, γ) per customer, each transaction ~ Gamma(p, ν); m is the mean of x transactions.</summary>
    private static SpendObservation[] Simulate(GammaGammaParameters parameters, int customers, Random random)
    {
        var data = new SpendObservation[customers];
        for (var i = 0; i < customers; i++)
        {
            var nu = Gamma.Sample(random, parameters.Q, parameters.V);
            var x = random.Next(1, 11);
            var total = 0.0;
            for (var k = 0; k < x; k++) total += Gamma.Sample(random, parameters.P, nu);
            data[i] = new SpendObservation(x, total / x);
        }

        return data;
    }
}

public sealed class CustomerLifetimeValueTests
{
    private static readonly BgNbdParameters Purchases = new(0.243, 4.414, 0.793, 2.426);
    private static readonly GammaGammaParameters Spend = new(6.25, 3.74, 15.44);

    [Fact]
    public void Without_discounting_it_is_expected_spend_times_expected_purchases()
    {
        var clv = CustomerLifetimeValue.Estimate(Purchases, Spend, 3, 30, 39, 25, 100, ClvHorizon.OneYearInWeeks(0));
        var expected = GammaGamma.ConditionalExpectedSpend(Spend, 3, 25) * BgNbd.ExpectedPurchases(Purchases, 52, 3, 30, 39);
        Assert.Equal(expected, clv.PredictedValue, 1e-9);
        Assert.Equal(100 + expected, clv.Total, 1e-9);
    }

    [Fact]
    public void Discounting_values_each_step_at_its_present_value()
    {
        // Two steps of 26 weeks at 10% a year: the purchases expected in each half are discounted from its end.
        var horizon = new ClvHorizon(52, 26, 52, 0.10);
        var spend = GammaGamma.ConditionalExpectedSpend(Spend, 3, 25);
        var firstHalf = BgNbd.ExpectedPurchases(Purchases, 26, 3, 30, 39);
        var wholeYear = BgNbd.ExpectedPurchases(Purchases, 52, 3, 30, 39);
        var expected = spend * (firstHalf / Math.Pow(1.1, 0.5) + (wholeYear - firstHalf) / 1.1);

        var clv = CustomerLifetimeValue.Estimate(Purchases, Spend, 3, 30, 39, 25, 0, horizon);
        Assert.Equal(expected, clv.PredictedValue, 1e-9);
    }

    [Fact]
    public void A_silent_customer_is_worth_less_than_an_active_one_with_the_same_history()
    {
        var horizon = ClvHorizon.OneYearInWeeks(0.1);
        var silent = CustomerLifetimeValue.Estimate(Purchases, Spend, 4, 5, 39, 30, 150, horizon);
        var active = CustomerLifetimeValue.Estimate(Purchases, Spend, 4, 38, 39, 30, 150, horizon);
        Assert.True(silent.PredictedValue < active.PredictedValue / 5, $"{silent.PredictedValue} vs {active.PredictedValue}");
    }
}
