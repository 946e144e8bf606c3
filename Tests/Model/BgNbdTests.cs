using Engagement.Model.Clv;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Engagement.Tests.Model;

public sealed class BgNbdTests
{
    // The published CDNOW estimates (Fader, Hardie and Lee 2005), used here only as realistic parameters.
    private static readonly BgNbdParameters Cdnow = new(0.243, 4.414, 0.793, 2.426);

    public static TheoryData<double, double, double, double> Customers => new()
    {
        // x, t_x, T, horizon
        { 0, 0, 39, 52 },
        { 1, 2, 39, 52 },
        { 2, 30.43, 38.86, 52 },
        { 3, 5, 39, 10 },
        { 5, 20, 39, 52 },
        { 10, 38, 39, 26 },
    };

    [Theory]
    [MemberData(nameof(Customers))]
    public void Probability_alive_matches_the_posterior_integrated_numerically(double x, double tx, double t, double horizon)
    {
        _ = horizon;
        var (alive, _, total) = Posterior(Cdnow, x, tx, t, horizon: 1);
        Assert.Equal(alive / total, BgNbd.ProbabilityAlive(Cdnow, x, tx, t), 1e-6);
    }

    [Theory]
    [MemberData(nameof(Customers))]
    public void Expected_purchases_match_the_posterior_integrated_numerically(double x, double tx, double t, double horizon)
    {
        var (_, expected, total) = Posterior(Cdnow, x, tx, t, horizon);
        var closedForm = BgNbd.ExpectedPurchases(Cdnow, horizon, x, tx, t);
        Assert.Equal(expected / total, closedForm, 1e-6 * Math.Max(1, closedForm));
    }

    [Fact]
    public void Log_likelihood_matches_the_two_term_likelihood_written_out()
    {
        var (r, alpha, a, b) = Cdnow;
        const double x = 4, tx = 25, t = 39;
        // L = B(a, b+x)/B(a, b) Γ(r+x) α^r / (Γ(r) (α+T)^(r+x)) + B(a+1, b+x−1)/B(a, b) Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
        var common = SpecialFunctions.GammaLn(r + x) + r * Math.Log(alpha) - SpecialFunctions.GammaLn(r) - SpecialFunctions.BetaLn(a, b);
        var likelihood = Math.Exp(common + SpecialFunctions.BetaLn(a, b + x) - (r + x) * Math.Log(alpha + t))
                         + Math.Exp(common + SpecialFunctions.BetaLn(a + 1, b + x - 1) - (r + x) * Math.Log(alpha + tx));
        Assert.Equal(Math.Log(likelihood), BgNbd.LogLikelihood(Cdnow, x, tx, t), 1e-10);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(0, 0, 39)]
    [InlineData(3, 39, 39)]
    [InlineData(1, 0.5, 0.5)]
    [InlineData(5000, 300, 301)]
    [InlineData(5000, 10, 1000)]
    public void Edge_cases_give_finite_sane_values(double x, double tx, double t)
    {
        var alive = BgNbd.ProbabilityAlive(Cdnow, x, tx, t);
        var expected = BgNbd.ExpectedPurchases(Cdnow, 52, x, tx, t);
        Assert.InRange(alive, 0, 1);
        Assert.True(double.IsFinite(expected) && expected >= 0, $"E[Y] = {expected}");
        Assert.True(double.IsFinite(BgNbd.LogLikelihood(Cdnow, x, tx, t)));
        if (x == 0) Assert.Equal(1, alive);
        if (tx == t) Assert.True(alive > 0.5, "a customer who just purchased is more likely alive than not");
    }

    [Fact]
    public void A_very_frequent_customer_who_just_bought_keeps_buying_at_their_own_rate()
    {
        // 5000 purchases in 301 weeks, the last one now: λ ≈ 16.6 a week, and with so many survived drop-out
        // chances p is tiny, so the next 52 weeks bring about 52 · 16.6 purchases.
        var expected = BgNbd.ExpectedPurchases(Cdnow, 52, 5000, 301, 301);
        Assert.InRange(expected, 0.8 * 52 * 5000 / 301.0, 1.05 * 52 * 5000 / 301.0);
    }

    [Fact]
    public void Silence_lowers_probability_alive_and_more_history_sharpens_it()
    {
        Assert.True(BgNbd.ProbabilityAlive(Cdnow, 3, 10, 39) < BgNbd.ProbabilityAlive(Cdnow, 3, 30, 39));
        Assert.True(BgNbd.ProbabilityAlive(Cdnow, 10, 10, 39) < BgNbd.ProbabilityAlive(Cdnow, 2, 10, 39));
    }

    [Fact]
    public void Fitting_data_simulated_from_the_model_recovers_its_parameters()
    {
        // 20,000 customers, observed for 52 to 104 weeks. Refitting with other seeds spreads the estimates by a
        // standard deviation of about 1.5% (r, α), 3% (a) and 4% (b); the bounds are about four of those.
        var truth = new BgNbdParameters(0.5, 6, 0.8, 3);
        var data = Simulate(truth, 20_000, new Random(20240601));
        var fit = BgNbd.Fit(data);

        Assert.True(fit.Converged, fit.Status);
        Assert.Equal(truth.R, fit.Parameters.R, 0.06 * truth.R);
        Assert.Equal(truth.Alpha, fit.Parameters.Alpha, 0.06 * truth.Alpha);
        Assert.Equal(truth.A, fit.Parameters.A, 0.12 * truth.A);
        Assert.Equal(truth.B, fit.Parameters.B, 0.16 * truth.B);
        Assert.True(fit.LogLikelihood >= BgNbd.LogLikelihood(truth, data), "the maximum is at least as likely as the truth");
    }

    [Fact]
    public void Identical_customers_can_be_weighted_instead_of_repeated()
    {
        var data = Simulate(Cdnow, 2_000, new Random(7));
        var grouped = data.GroupBy(o => (o.X, o.Tx, o.T)).Select(g => new BgNbdObservation(g.Key.X, g.Key.Tx, g.Key.T, g.Count())).ToArray();
        Assert.Equal(BgNbd.LogLikelihood(Cdnow, data), BgNbd.LogLikelihood(Cdnow, grouped), 1e-6);
    }

    [Fact]
    public void Refuses_to_fit_without_repeat_purchases()
    {
        var error = Assert.Throws<ArgumentException>(() => BgNbd.Fit([new BgNbdObservation(0, 0, 10), new BgNbdObservation(0, 0, 20)]));
        Assert.Contains("repeat", error.Message);
    }

    /// <summary>Customers from the BG/NBD story: λ ~ Gamma(r, α), p ~ Beta(a, b), Poisson purchases, a drop-out coin after each repeat purchase.</summary>
    internal static BgNbdObservation[] Simulate(BgNbdParameters parameters, int customers, Random random)
    {
        var data = new BgNbdObservation[customers];
        for (var i = 0; i < customers; i++)
        {
            var lambda = Gamma.Sample(random, parameters.R, parameters.Alpha);
            var p = Beta.Sample(random, parameters.A, parameters.B);
            var age = 52 + 52 * random.NextDouble();
            double time = 0, last = 0;
            var x = 0;
            while (true)
            {
                time += Exponential.Sample(random, lambda);
                if (time > age) break;
                x++;
                last = time;
                if (random.NextDouble() < p) break;
            }

            data[i] = new BgNbdObservation(x, last, age);
        }

        return data;
    }

    /// <summary>
    /// The posterior written from the model's definition and integrated numerically over λ and p: the weight of
    /// "alive" histories, of expected purchases in the horizon given alive (E[Y(t) | λ, p] = (1 − e^(−λpt)) / p),
    /// and of all histories (alive, or dropped out right after the last purchase).
    /// </summary>
    private static (double Alive, double Expected, double Total) Posterior(BgNbdParameters parameters, double x, double tx, double t, double horizon)
    {
        var (r, alpha, a, b) = parameters;
        // A common scale keeps the integrands near 1 (the integrator works to an absolute tolerance).
        var mode = Math.Max((x + r - 1) / (alpha + tx), 1e-3);
        var shift = (x + r - 1) * Math.Log(mode) - mode * (alpha + tx);
        var upper = (x + r + 40 * Math.Sqrt(x + r + 1) + 40) / (alpha + tx);

        double Prior(double lambda, double p) =>
            Math.Exp((r - 1) * Math.Log(lambda) - alpha * lambda + (a - 1) * Math.Log(p) + (b - 1) * Math.Log(1 - p) - SpecialFunctions.BetaLn(a, b) + r * Math.Log(alpha) - SpecialFunctions.GammaLn(r));

        double AliveLikelihood(double lambda, double p) => Math.Exp(x * Math.Log(1 - p) + x * Math.Log(lambda) - lambda * t - shift);

        double DeadLikelihood(double lambda, double p) =>
            x > 0 ? Math.Exp(Math.Log(p) + (x - 1) * Math.Log(1 - p) + x * Math.Log(lambda) - lambda * tx - shift) : 0;

        // The integrands' λ^(x+r−1) and p^(a−1) are singular at 0 when x + r < 1 or a < 1; substituting λ = s^(1/κ)
        // with κ = min(x + r, 1) and p = u^(1/a) makes both smooth there.
        var kappa = Math.Min(x + r, 1);
        double Integrate2D(Func<double, double, double> f) =>
            Integrate.DoubleExponential(u => Integrate.DoubleExponential(s =>
            {
                double lambda = Math.Pow(s, 1 / kappa), p = Math.Pow(u, 1 / a);
                return f(lambda, p) * Math.Pow(s, 1 / kappa - 1) / kappa * Math.Pow(u, 1 / a - 1) / a;
            }, 0, Math.Pow(upper, kappa), 1e-13), 0, 1, 1e-12);

        var alive = Integrate2D((l, p) => AliveLikelihood(l, p) * Prior(l, p));
        var expected = Integrate2D((l, p) => AliveLikelihood(l, p) * Prior(l, p) * OneMinusExp(l * p * horizon) / p);
        var dead = Integrate2D((l, p) => DeadLikelihood(l, p) * Prior(l, p));
        return (alive, expected, alive + dead);
    }

    /// <summary>1 − e^(−y) without cancellation for small y.</summary>
    private static double OneMinusExp(double y) => y < 1e-5 ? y - y * y / 2 : 1 - Math.Exp(-y);
}
