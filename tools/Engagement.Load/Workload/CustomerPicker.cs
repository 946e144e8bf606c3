namespace Engagement.Load.Workload;

public enum CustomerSkew
{
    /// <summary>Every customer equally likely.</summary>
    Uniform,

    /// <summary>Popularity by rank: customer k (from 0) is chosen with weight 1 / (k + 1)^s.</summary>
    Zipf,
}

/// <summary>Chooses which customer the next event is for. Thread-safe: the caller brings its own <see cref="Random"/>.</summary>
public sealed class CustomerPicker
{
    private readonly int _count;
    private readonly double[]? _cumulative;

    public CustomerPicker(int count, CustomerSkew skew, double zipfExponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _count = count;
        if (skew != CustomerSkew.Zipf) return;

        // The inverse CDF by binary search: 8 bytes per customer, built once, O(log n) a draw.
        _cumulative = new double[count];
        var total = 0.0;
        for (var k = 0; k < count; k++) _cumulative[k] = total += Math.Pow(k + 1, -zipfExponent);
        for (var k = 0; k < count; k++) _cumulative[k] /= total;
        _cumulative[^1] = 1.0;
    }

    public int Count => _count;

    public int Next(Random random)
    {
        if (_cumulative is null) return random.Next(_count);
        var index = Array.BinarySearch(_cumulative, random.NextDouble());
        return index >= 0 ? index : Math.Min(~index, _count - 1);
    }

    /// <summary>
    /// <paramref name="sample"/> customers spread evenly over the ranks, so that a Zipf run watches hot and cold
    /// customers alike (and a uniform run any of them).
    /// </summary>
    public IReadOnlyList<int> Spread(int sample) =>
        [.. Enumerable.Range(0, Math.Min(sample, _count)).Select(j => (int)((long)j * _count / Math.Min(sample, _count))).Distinct()];
}
