namespace Engagement.Model.Clv;

/// <summary>
/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real arguments and z &lt; 1, which the BG/NBD
/// conditional expectation needs. MathNet.Numerics has no ₂F₁, so it is written here: the power series
/// where it converges fast, and the Pfaff transformation to bring a negative z into [0, ½].
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
        if (!(z < 1)) throw new ArgumentOutOfRangeException(nameof(z), z, "₂F₁ is only evaluated for z < 1.");
        if (c <= 0 && c == Math.Floor(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "c must not be zero or a negative integer.");

        // Pfaff: ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z / (z − 1)); for z < −½ the new argument
        // lies in (⅓, 1) and the series converges much faster than the alternating original.
        if (z < -0.5)
        {
            var w = z / (z - 1);
            return Math.Pow(1 - z, -a) * Series(a, c - b, c, w);
        }

        return Series(a, b, c, z);
    }

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
