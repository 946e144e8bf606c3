using Engagement.Model.Clv;
using MathNet.Numerics;

namespace Engagement.Tests.Model;

public sealed class HypergeometricTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    [InlineData(-0.4)]
    [InlineData(-3.0)]
    public void Matches_the_logarithm_closed_form(double z)
    {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
        var expected = z == 0 ? 1 : -Math.Log(1 - z) / z;
        Assert.Equal(expected, Hypergeometric.Gauss2F1(1, 1, 2, z), 1e-11 * Math.Max(1, Math.Abs(expected)));
    }

    [Theory]
    [InlineData(0.7, 2.5, 0.5)]
    [InlineData(3.2, 1.1, 0.95)]
    [InlineData(1.5, 4.0, -0.8)]
    [InlineData(0.243, 2.426, -5.0)]
    public void Matches_the_binomial_closed_form(double a, double b, double z)
    {
        // ₂F₁(a, b; b; z) = (1 − z)^(−a)
        Assert.Equal(Math.Pow(1 - z, -a), Hypergeometric.Gauss2F1(a, b, b, z), 1e-10 * Math.Pow(1 - z, -a));
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.6)]
    [InlineData(0.95)]
    public void Matches_the_arcsine_closed_form(double x)
    {
        // ₂F₁(½, ½; 3/2; x²) = arcsin(x) / x
        Assert.Equal(Math.Asin(x) / x, Hypergeometric.Gauss2F1(0.5, 0.5, 1.5, x * x), 1e-10);
    }

    [Theory]
    [InlineData(0.3, 0.4, 2.5)]
    [InlineData(1.2, 0.7, 4.0)]
    public void Approaches_Gauss_summation_near_one(double a, double b, double c)
    {
        // ₂F₁(a, b; c; 1) = Γ(c) Γ(c − a − b) / (Γ(c − a) Γ(c − b)) when c > a + b; the series converges at z → 1.
        var atOne = Math.Exp(SpecialFunctions.GammaLn(c) + SpecialFunctions.GammaLn(c - a - b) - SpecialFunctions.GammaLn(c - a) - SpecialFunctions.GammaLn(c - b));
        Assert.Equal(atOne, Hypergeometric.Gauss2F1(a, b, c, 1 - 1e-9), 1e-5);
    }

    [Fact]
    public void A_negative_integer_parameter_gives_a_polynomial()
    {
        // ₂F₁(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
        const double b = 1.5, c = 2.5, z = 0.7;
        var expected = 1 - 2 * b * z / c + b * (b + 1) * z * z / (c * (c + 1));
        Assert.Equal(expected, Hypergeometric.Gauss2F1(-2, b, c, z), 1e-14);
    }

    [Fact]
    public void Rejects_arguments_outside_its_domain()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Hypergeometric.Gauss2F1(1, 1, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hypergeometric.Gauss2F1(1, 1, -2, 0.5));
    }

    [Theory]
    [InlineData(200, 150, 202.2, 0.467)]
    [InlineData(150, 200, 152.5, 0.3)]
    [InlineData(60, 90, 61, 0.8)]
    public void The_logarithm_with_large_parameters_matches_the_plain_series(double a, double b, double c, double z)
    {
        // The plain series converges here (slowly, no cancellation: every term positive); the transformed
        // series the function picks must agree with it.
        var plain = Math.Log(Hypergeometric.Series(a, b, c, z));
        Assert.Equal(plain, Hypergeometric.LogGauss2F1(a, b, c, z), 1e-9 * Math.Abs(plain));
    }

    [Fact]
    public void Huge_fitted_parameters_give_finite_bg_nbd_expectations()
    {
        // A near-degenerate population can fit parameters this large (seen in an engine test):
        // ₂F₁ itself overflows, the expectation it is part of must not.
        var parameters = new BgNbdParameters(R: 2.2, Alpha: 40, A: 29_374_707, B: 47_035_243);
        var expected = BgNbd.ExpectedPurchases(parameters, 52, 2, 10, 20);
        var alive = BgNbd.ProbabilityAlive(parameters, 2, 10, 20);

        Assert.True(double.IsFinite(expected) && expected >= 0, $"expected purchases {expected}");
        Assert.InRange(alive, 0, 1);
        // With a vanishing drop-out probability (a / (a + b) ≈ 0.38 per purchase... but a, b huge so p is fixed),
        // the expectation stays below the purchase rate's posterior mean times the horizon.
        Assert.True(expected <= (2.2 + 2) / (40 + 20) * 52 + 1e-9, $"expected purchases {expected}");
    }
}
