namespace Engagement.Model.Clv;

/// <summary>
/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real arguments and z &lt; 1, which the BG/NBD
/// conditional expectation needs. MathNet.Numerics has no ₂F₁, so it is written here: the power series,
/// after whichever of the Pfaff and Euler transformations gives the series that settles fastest. Fitted
/// BG/NBD parameters can be huge (a population that barely drops out), and then the plain series would
/// need millions of terms where a transformed one needs a few dozen.
/// </summary>
public static class Hypergeometric
{
    private const int MaxTerms = 1_000_000;
    private const double RelativeTolerance = 1e-15;

    /// <summary>
    /// ₂F₁(a, b; c; z) = Σₙ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ for z &lt; 1 and c not zero or a negative integer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">z ≥ 1, or c is a non-positive integer.</exception>
    /// <exception cref="ArithmeticException">The series did not converge (z extremely close to 1 with a slowly decaying series).</exception>
    public static double Gauss2F1(double a, double b, double c, double z)
    {
        Check(c, z);
        return Evaluate(a, b, c, z, (logScale, series) =>
        {
            var value = Math.Exp(logScale) * series;
            return double.IsFinite(value) ? value : null;
        });
    }

    /// <summary>
    /// ln ₂F₁(a, b; c; z) for a positive ₂F₁, finite where ₂F₁ itself overflows: with huge parameters the
    /// function can exceed the double range while a product it appears in (the BG/NBD expectation) does not.
    /// </summary>
    /// <exception cref="ArithmeticException">No series converged, or the value is not positive.</exception>
    public static double LogGauss2F1(double a, double b, double c, double z)
    {
        Check(c, z);
        return Evaluate(a, b, c, z, (logScale, series) => series > 0 ? logScale + Math.Log(series) : null);
    }

    private static void Check(double c, double z)
    {
        if (!(z < 1)) throw new ArgumentOutOfRangeException(nameof(z), z, "₂F₁ is only evaluated for z < 1.");
        if (c <= 0 && c == Math.Floor(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "c must not be zero or a negative integer.");
    }

    private static double Evaluate(double a, double b, double c, double z, Func<double, double, double?> combine)
    {
        // The candidates on the stack, cheapest first (a stable insertion sort, as OrderBy would order them): the
        // CLV asks for ₂F₁ some fifty times per customer evaluation, and an iterator and a LINQ sort each time
        // were most of what an evaluation allocated.
        Span<(double LogScale, double A, double B, double Z)> candidates = stackalloc (double, double, double, double)[4];
        Span<double> costs = stackalloc double[4];
        var count = Candidates(a, b, c, z, candidates);
        for (var i = 0; i < count; i++)
        {
            var candidate = candidates[i];
            var cost = Cost(candidate.A, candidate.B, c, candidate.Z);
            var j = i - 1;
            for (; j >= 0 && costs[j].CompareTo(cost) > 0; j--)
            {
                candidates[j + 1] = candidates[j];
                costs[j + 1] = costs[j];
            }
            candidates[j + 1] = candidate;
            costs[j + 1] = cost;
        }

        ArithmeticException? failure = null;
        foreach (var (logScale, a1, b1, z1) in candidates[..count])
        {
            try
            {
                if (combine(logScale, Series(a1, b1, c, z1)) is { } value) return value;
            }
            catch (ArithmeticException ex)
            {
                failure = ex;
            }
        }
        throw failure ?? new ArithmeticException($"₂F₁({a}, {b}; {c}; {z}) is out of range.");
    }

    /// <summary>
    /// The equivalent series, each with the log of its factor: the original; Pfaff on a or on b,
    /// ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; w) = (1 − z)^(−b) ₂F₁(c − a, b; c; w) with w = z / (z − 1);
    /// and Euler, (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z). Only those whose argument lies inside the unit disc converge.
    /// Written into <paramref name="into"/> (room for four); returns how many.
    /// </summary>
    private static int Candidates(double a, double b, double c, double z, Span<(double LogScale, double A, double B, double Z)> into)
    {
        var log1z = Math.Log(1 - z);
        into[0] = (0, a, b, z);
        into[1] = ((c - a - b) * log1z, c - a, c - b, z);
        var w = z / (z - 1);
        if (!(Math.Abs(w) < 1)) return 2;
        into[2] = (-a * log1z, a, c - b, w);
        into[3] = (-b * log1z, c - a, b, w);
        return 4;
    }

    /// <summary>How far the terms climb before they fall: the first ratio |a b / c| |z|, and |z| for the tail.</summary>
    private static double Cost(double a, double b, double c, double z) =>
        Math.Abs(a * b / c * z) + Math.Abs(z) / Math.Max(1e-12, 1 - Math.Abs(z));

    /// <summary>The power series itself, summed until a term no longer changes the sum.</summary>
    public static double Series(double a, double b, double c, double z)
    {
        var sum = 1.0;
        var term = 1.0;
        for (var n = 0; n < MaxTerms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            if (term == 0) return sum; // a or b a non-positive integer: a polynomial
            if (Math.Abs(term) <= RelativeTolerance * Math.Abs(sum))
            {
                // A term can be tiny while the series still grows (terms rising again after a dip when
                // a + b > c); the ratio test below guards against stopping on such a dip.
                var nextRatio = Math.Abs((a + n + 1) * (b + n + 1) / ((c + n + 1) * (n + 2)) * z);
                if (nextRatio < 1) return sum;
            }

            if (double.IsInfinity(sum) || double.IsNaN(sum)) break;
        }

        throw new ArithmeticException($"₂F₁({a}, {b}; {c}; {z}) did not converge.");
    }
}
