using System.Text.Json.Serialization;
using MathNet.Numerics.LinearAlgebra;
using static MathNet.Numerics.SpecialFunctions;

namespace Engagement.Model.Clv;

/// <summary>A repeat customer's spend: <c>x</c> transactions with mean value <c>m</c> (the paper's m_x).</summary>
public readonly record struct SpendObservation(double X, double MeanSpend, double Weight = 1);

/// <summary>
/// Gamma-Gamma parameters: a transaction's value z ~ Gamma(p, ν), the customer's ν ~ Gamma(q, γ);
/// <see cref="V"/> is γ (lifetimes and the CLV literature call it v).
/// </summary>
public sealed record GammaGammaParameters(double P, double Q, double V)
{
    /// <summary>The population's mean spend per transaction, p·γ/(q−1); infinite when q ≤ 1.</summary>
    [JsonIgnore] // infinite when q ≤ 1, which JSON cannot carry
    public double PopulationMeanSpend => Q > 1 ? P * V / (Q - 1) : double.PositiveInfinity;
}

/// <summary>
/// The Gamma-Gamma model of monetary value (Fader and Hardie 2013): log-likelihood, maximum-likelihood fit
/// over repeat customers, and the conditional expected spend per transaction.
/// </summary>
public static class GammaGamma
{
    /// <summary>
    /// ln f(m | p, q, γ, x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + m x).
    /// </summary>
    public static double LogLikelihood(GammaGammaParameters parameters, double x, double meanSpend) =>
        Individual(parameters, new SpendObservation(x, meanSpend), gradient: null);

    public static double LogLikelihood(GammaGammaParameters parameters, IEnumerable<SpendObservation> observations) =>
        observations.Sum(o => o.Weight * Individual(parameters, o, gradient: null));

    /// <summary>
    /// Maximum-likelihood estimates from repeat customers (x ≥ 1, m &gt; 0; others are ignored, as in the paper).
    /// Starts from the method of moments on the customers' means: q = 3, p from the coefficient of variation
    /// of single transactions approximated by that of the means, γ so that the population mean matches.
    /// </summary>
    public static ModelFit<GammaGammaParameters> Fit(IReadOnlyCollection<SpendObservation> observations)
    {
        var usable = observations.Where(o => o.X >= 1 && o.MeanSpend > 0 && o.Weight > 0).ToArray();
        if (usable.Length < 2) throw new ArgumentException("Gamma-Gamma needs at least two repeat customers with positive spend.", nameof(observations));

        var totalWeight = usable.Sum(o => o.Weight);
        var mean = usable.Sum(o => o.Weight * o.MeanSpend) / totalWeight;
        var variance = usable.Sum(o => o.Weight * (o.MeanSpend - mean) * (o.MeanSpend - mean)) / totalWeight;
        var p0 = Math.Clamp(mean * mean / Math.Max(variance, 1e-9), 0.1, 100);
        const double q0 = 3;
        var v0 = mean * (q0 - 1) / p0;
        var start = Vector<double>.Build.Dense([Math.Log(p0), Math.Log(q0), Math.Log(v0)]);

        var (point, meanLl, converged, iterations, method, status) = LogSpaceMaximizer.Maximize(theta =>
        {
            var parameters = FromLog(theta);
            return LogSpaceMaximizer.WeightedMean(usable, o => o.Weight, (o, g) => Individual(parameters, o, g),
                [parameters.P, parameters.Q, parameters.V], totalWeight);
        }, start);

        return new ModelFit<GammaGammaParameters>(FromLog(point), meanLl * totalWeight, converged, iterations, method, status, totalWeight);
    }

    /// <summary>
    /// E[M | p, q, γ, m_x, x] = (γ + m_x x) p / (p x + q − 1) (Fader and Hardie 2013, eq. 5): a weighted mean of
    /// the population mean p·γ/(q−1) and the customer's own m_x, with weight p x / (p x + q − 1) on m_x.
    /// For x = 0 this is the population mean. When q ≤ 1 the population mean does not exist; then a customer
    /// without repeat purchases gets their observed mean (a first purchase is the only evidence) rather than infinity.
    /// </summary>
    public static double ConditionalExpectedSpend(GammaGammaParameters parameters, double x, double meanSpend)
    {
        var (p, q, v) = parameters;
        var denominator = p * x + q - 1;
        if (denominator <= 0) return meanSpend;
        return (v + meanSpend * x) * p / denominator;
    }

    public static GammaGammaParameters FromLog(Vector<double> theta) =>
        new(Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]));

    private static double Individual(GammaGammaParameters parameters, SpendObservation o, double[]? gradient)
    {
        var (p, q, v) = parameters;
        var (x, m) = (o.X, o.MeanSpend);
        var px = p * x;
        var logVmx = Math.Log(v + m * x);
        var ll = GammaLn(px + q) - GammaLn(px) - GammaLn(q) + q * Math.Log(v) + (px - 1) * Math.Log(m) + px * Math.Log(x) - (px + q) * logVmx;
        if (gradient is not null)
        {
            gradient[0] = x * (DiGamma(px + q) - DiGamma(px) + Math.Log(m) + Math.Log(x) - logVmx);
            gradient[1] = DiGamma(px + q) - DiGamma(q) + Math.Log(v) - logVmx;
            gradient[2] = q / v - (px + q) / (v + m * x);
        }

        return ll;
    }
}
