using System.Text.Json.Serialization;
using MathNet.Numerics.LinearAlgebra;
using static MathNet.Numerics.SpecialFunctions;

namespace Engagement.Model.Clv;

/// <summary>
/// One customer as the BG/NBD model sees them: <c>x</c> repeat purchases, the last at <c>t_x</c>, observed
/// for <c>T</c> since the first purchase (times in the model's time unit, e.g. weeks). <see cref="Weight"/>
/// lets identical customers be counted once, or a sample stand for a larger population.
/// </summary>
public readonly record struct BgNbdObservation(double X, double Tx, double T, double Weight = 1);

/// <summary>BG/NBD parameters: purchase rates λ ~ Gamma(r, α), drop-out probabilities p ~ Beta(a, b).</summary>
public sealed record BgNbdParameters(double R, double Alpha, double A, double B)
{
    /// <summary>The mean drop-out probability after a purchase, a / (a + b).</summary>
    [JsonIgnore]
    public double MeanDropoutProbability => A / (A + B);
}

/// <summary>
/// The BG/NBD model of Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way": log-likelihood,
/// maximum-likelihood fit and the closed-form per-customer predictions.
/// </summary>
public static class BgNbd
{
    /// <summary>
    /// The individual log-likelihood (FHL 2005, eq. 6):
    /// ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
    ///        + ln[(α+T)^−(r+x) + δ(x&gt;0) · a/(b+x−1) · (α+t_x)^−(r+x)].
    /// </summary>
    public static double LogLikelihood(BgNbdParameters parameters, double x, double tx, double t) =>
        Individual(parameters, new BgNbdObservation(x, tx, t), gradient: null);

    /// <summary>The weighted sum of individual log-likelihoods.</summary>
    public static double LogLikelihood(BgNbdParameters parameters, IEnumerable<BgNbdObservation> observations) =>
        observations.Sum(o => o.Weight * Individual(parameters, o, gradient: null));

    /// <summary>
    /// Maximum-likelihood estimates over a population. Log-parameterised; starts from a method-of-moments
    /// guess (mean rate from Σx / ΣT, r = 1, a = 1, b = 3 so that the mean drop-out is ¼).
    /// </summary>
    public static ModelFit<BgNbdParameters> Fit(IReadOnlyCollection<BgNbdObservation> observations)
    {
        Validate(observations);
        var totalWeight = observations.Sum(o => o.Weight);
        var meanRate = Math.Max(observations.Sum(o => o.Weight * o.X), 1e-3) / Math.Max(observations.Sum(o => o.Weight * o.T), 1e-3);
        var start = Vector<double>.Build.Dense([0, Math.Log(1 / meanRate), 0, Math.Log(3)]);

        var (point, meanLl, converged, iterations, method, status) = LogSpaceMaximizer.Maximize(theta =>
        {
            var parameters = FromLog(theta);
            return LogSpaceMaximizer.WeightedMean(observations, o => o.Weight, (o, g) => Individual(parameters, o, g),
                [parameters.R, parameters.Alpha, parameters.A, parameters.B], totalWeight);
        }, start);

        return new ModelFit<BgNbdParameters>(FromLog(point), meanLl * totalWeight, converged, iterations, method, status, totalWeight);
    }

    /// <summary>
    /// P(alive | x, t_x, T) (FHL 2005, eq. 12): 1 / (1 + δ(x&gt;0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
    /// It is 1 for x = 0 by construction (the model lets a customer drop out only after a repeat purchase);
    /// see <see cref="ChurnModel"/> for how the engine treats a silent one-time buyer.
    /// </summary>
    public static double ProbabilityAlive(BgNbdParameters parameters, double x, double tx, double t)
    {
        if (x <= 0) return 1;
        var (r, alpha, a, b) = parameters;
        var logOdds = Math.Log(a) - Math.Log(b + x - 1) + (r + x) * (Math.Log(alpha + t) - Math.Log(alpha + tx));
        // 1 / (1 + e^s), written so that a huge s gives 0 rather than NaN.
        return logOdds > 0 ? Math.Exp(-logOdds) / (1 + Math.Exp(-logOdds)) : 1 / (1 + Math.Exp(logOdds));
    }

    /// <summary>
    /// Expected purchases in the next <paramref name="horizon"/> for a customer with (x, t_x, T) (FHL 2005, eq. 10):
    /// E[Y(t)] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
    ///           / [1 + δ(x&gt;0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)].
    /// The hypergeometric term is evaluated after Euler's transformation,
    /// ₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z), which turns (1−z)^(r+x) ₂F₁(…) into
    /// (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z): small upper parameters whatever x is, so a huge x neither
    /// overflows nor needs thousands of terms.
    /// </summary>
    public static double ExpectedPurchases(BgNbdParameters parameters, double horizon, double x, double tx, double t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        if (horizon == 0) return 0;
        var a = parameters.A;
        // (a−1) in the denominator: the expression is continuous in a, so at a = 1 take the mean of both sides.
        if (Math.Abs(a - 1) < 1e-7)
        {
            return 0.5 * (ExpectedPurchases(parameters with { A = 1 - 1e-6 }, horizon, x, tx, t)
                          + ExpectedPurchases(parameters with { A = 1 + 1e-6 }, horizon, x, tx, t));
        }

        var (r, alpha, _, b) = parameters;
        var z = horizon / (alpha + t + horizon);
        // In logs: with huge fitted a, ₂F₁ overflows while its product with the power term does not.
        var logHyper = Hypergeometric.LogGauss2F1(a + b - 1 - r, a - 1, a + b + x - 1, z);
        var aliveTerm = Math.Exp((a - 1) * (Math.Log(alpha + t) - Math.Log(alpha + t + horizon)) + logHyper);
        var unconditional = (a + b + x - 1) / (a - 1) * (1 - aliveTerm);
        return unconditional * ProbabilityAlive(parameters, x, tx, t);
    }

    /// <summary>Expected purchases in (0, t] of a customer who has just made a first purchase (FHL 2005, eq. 9).</summary>
    public static double ExpectedPurchasesOfNewCustomer(BgNbdParameters parameters, double horizon) =>
        ExpectedPurchases(parameters, horizon, 0, 0, 0);

    public static BgNbdParameters FromLog(Vector<double> theta) =>
        new(Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]), Math.Exp(theta[3]));

    private static void Validate(IReadOnlyCollection<BgNbdObservation> observations)
    {
        if (observations.Count == 0) throw new ArgumentException("BG/NBD needs at least one customer.", nameof(observations));
        foreach (var o in observations)
        {
            if (!(o.X >= 0 && o.Tx >= 0 && o.Tx <= o.T && o.Weight > 0) || !double.IsFinite(o.T))
            {
                throw new ArgumentException($"Invalid BG/NBD observation (x={o.X}, t_x={o.Tx}, T={o.T}, weight={o.Weight}): need x ≥ 0, 0 ≤ t_x ≤ T, weight > 0.", nameof(observations));
            }
        }

        if (!observations.Any(o => o.X > 0)) throw new ArgumentException("BG/NBD cannot be fitted without any repeat purchase.", nameof(observations));
    }

    /// <summary>One customer's log-likelihood; fills <paramref name="gradient"/> with d/d(r, α, a, b) when given.</summary>
    private static double Individual(BgNbdParameters parameters, BgNbdObservation o, double[]? gradient)
    {
        var (r, alpha, a, b) = parameters;
        var x = o.X;
        var logAlphaT = Math.Log(alpha + o.T);
        var logAlphaTx = Math.Log(alpha + o.Tx);
        var l1 = -(r + x) * logAlphaT;
        double w1 = 1, w2 = 0, logSum = l1;
        if (x > 0)
        {
            var l2 = Math.Log(a) - Math.Log(b + x - 1) - (r + x) * logAlphaTx;
            var max = Math.Max(l1, l2);
            logSum = max + Math.Log(Math.Exp(l1 - max) + Math.Exp(l2 - max));
            w1 = Math.Exp(l1 - logSum);
            w2 = Math.Exp(l2 - logSum);
        }

        var ll = GammaLn(r + x) - GammaLn(r) + r * Math.Log(alpha)
                 + GammaLn(b + x) - GammaLn(a + b + x) - GammaLn(b) + GammaLn(a + b)
                 + logSum;

        if (gradient is not null)
        {
            gradient[0] = DiGamma(r + x) - DiGamma(r) + Math.Log(alpha) - w1 * logAlphaT - w2 * logAlphaTx;
            gradient[1] = r / alpha - w1 * (r + x) / (alpha + o.T) - w2 * (r + x) / (alpha + o.Tx);
            gradient[2] = DiGamma(a + b) - DiGamma(a + b + x) + w2 / a;
            gradient[3] = DiGamma(b + x) - DiGamma(a + b + x) - DiGamma(b) + DiGamma(a + b) - (x > 0 ? w2 / (b + x - 1) : 0);
        }

        return ll;
    }
}
