using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Engagement.Model.Clv;

/// <summary>
/// The outcome of a maximum-likelihood fit: the parameters, the log-likelihood there, and whether the
/// optimiser really converged. A fit that did not converge still carries its best point, but
/// <see cref="Converged"/> is false and <see cref="Status"/> says why, so nobody uses it unknowingly.
/// </summary>
public sealed record ModelFit<TParameters>(
    TParameters Parameters,
    double LogLikelihood,
    bool Converged,
    int Iterations,
    string Method,
    string Status,
    double Observations);

/// <summary>
/// Maximises a log-likelihood over log-parameters (so every parameter stays positive without bounds):
/// BFGS with the analytic gradient first; if BFGS fails (a line search that cannot progress), Nelder-Mead
/// from the best point, then BFGS again to polish and to confirm a zero gradient.
/// </summary>
internal static class LogSpaceMaximizer
{
    /// <summary>Gradient norm of the mean log-likelihood below which a point counts as a maximum.</summary>
    private const double GradientTolerance = 1e-6;

    /// <param name="meanLogLikelihood">Mean log-likelihood per observation and its gradient, both in log-parameters.</param>
    /// <param name="start">Where the search starts, in log-parameters.</param>
    public static (Vector<double> Point, double MeanLogLikelihood, bool Converged, int Iterations, string Method, string Status) Maximize(
        Func<Vector<double>, (double Value, Vector<double> Gradient)> meanLogLikelihood,
        Vector<double> start)
    {
        var objective = ObjectiveFunction.Gradient(theta =>
        {
            var (value, gradient) = meanLogLikelihood(theta);
            // Outside the numerically representable region, steer the line search back rather than fail.
            return double.IsFinite(value) && gradient.All(double.IsFinite)
                ? (-value, -gradient)
                : (double.MaxValue, Vector<double>.Build.Dense(theta.Count, 0));
        });

        var iterations = 0;
        var method = "BFGS";
        var point = start;
        string? failure = null;
        if (!TryBfgs(objective, start, ref point, ref iterations, out failure)
            || meanLogLikelihood(point).Gradient.L2Norm() >= GradientTolerance)
        {
            method = "Nelder-Mead + BFGS";
            try
            {
                var result = new NelderMeadSimplex(1e-12, 20_000).FindMinimum(objective, point);
                iterations += result.Iterations;
                point = result.MinimizingPoint;
                TryBfgs(objective, point, ref point, ref iterations, out failure);
            }
            catch (MaximumIterationsException e)
            {
                // Typically a likelihood that keeps rising towards a boundary (degenerate data): report, never hide.
                iterations += 20_000;
                failure = e.Message;
            }
        }

        var (value, gradient) = meanLogLikelihood(point);
        var gradientNorm = gradient.L2Norm();
        var converged = double.IsFinite(value) && gradientNorm < GradientTolerance;
        var status = converged
            ? $"converged: gradient norm {gradientNorm:E2}"
            : $"not converged: gradient norm {gradientNorm:E2}{(failure is null ? "" : "; " + failure)}";
        return (point, value, converged, iterations, method, status);
    }

    /// <summary>
    /// The weighted mean of individual log-likelihoods and its gradient in log-parameters (d/d ln θ = θ · d/dθ),
    /// from <paramref name="individual"/>, which returns one observation's log-likelihood and fills d/dθ.
    /// </summary>
    public static (double Value, Vector<double> Gradient) WeightedMean<TObservation>(
        IEnumerable<TObservation> observations,
        Func<TObservation, double> weight,
        Func<TObservation, double[], double> individual,
        double[] parameters,
        double totalWeight)
    {
        var gradient = new double[parameters.Length];
        var g = new double[parameters.Length];
        var sum = 0.0;
        foreach (var o in observations)
        {
            var w = weight(o);
            sum += w * individual(o, g);
            for (var i = 0; i < g.Length; i++) gradient[i] += w * g[i];
        }

        return (sum / totalWeight, Vector<double>.Build.Dense(parameters.Length, i => gradient[i] * parameters[i] / totalWeight));
    }

    private static bool TryBfgs(IObjectiveFunction objective, Vector<double> start, ref Vector<double> point, ref int iterations, out string? failure)
    {
        try
        {
            var result = new BfgsMinimizer(1e-9, 1e-12, 1e-14, 2_000).FindMinimum(objective, start);
            iterations += result.Iterations;
            point = result.MinimizingPoint;
            failure = null;
            return true;
        }
        catch (Exception e) when (e is MaximumIterationsException or OptimizationException or ArgumentException)
        {
            failure = e.Message;
            return false;
        }
    }
}
