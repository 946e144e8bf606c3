using System.Text;

namespace Engagement.Model;

/// <summary>
/// One purchasing customer as the population statistics need them, as of the sample's time: the BG/NBD inputs in
/// days, days since the last purchase, purchase days and spend. <see cref="Key"/> is a stable hash of the id.
/// </summary>
public sealed record PopulationMember(
    ulong Key,
    int Frequency,
    double RecencyDays,
    double AgeDays,
    double DaysSinceLastPurchase,
    int PurchaseDays,
    double TotalSpend,
    double MeanRepeatSpend)
{
    public static PopulationMember From(string customerId, PurchaseSummary summary, DateTimeOffset asOf, PurchaseCalendar calendar)
    {
        var recency = summary.RecencyDays(calendar);
        var age = Math.Max(recency, summary.AgeDays(asOf, calendar));
        return new PopulationMember(
            PopulationSample.KeyOf(customerId), summary.Frequency, recency, age, age - recency,
            summary.PurchaseDays, (double)summary.TotalSpend, (double)summary.MeanRepeatSpend);
    }
}

/// <summary>
/// A mergeable sample of the population: the purchasing customers with the <see cref="Capacity"/> smallest
/// id hashes (a bottom-k sample), plus exact counts. Shards build one each; <see cref="Merge"/> is commutative
/// and associative and gives the same sample as building from all customers at once, so no single place ever
/// holds more than <see cref="Capacity"/> customers. Below the capacity the sample is the whole population and
/// every statistic is exact; above it, it is a uniform random sample (the hash decides, not arrival order).
/// </summary>
public sealed class PopulationSample
{
    public int Capacity { get; init; } = 50_000;

    /// <summary>All customers counted, purchasing or not.</summary>
    public long Customers { get; set; }

    /// <summary>Customers with at least one purchase.</summary>
    public long Purchasers { get; set; }

    /// <summary>Purchasing customers in the sample, ordered by <see cref="PopulationMember.Key"/>.</summary>
    public List<PopulationMember> Members { get; init; } = [];

    /// <summary>Exact counts by label, e.g. "stage:Loyal", "tier:A", "segment:vip" — summed on merge.</summary>
    public Dictionary<string, long> Counts { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Counts one customer; <paramref name="member"/> is null for a customer without purchases.</summary>
    public void Add(PopulationMember? member, IEnumerable<string>? labels = null)
    {
        Customers++;
        foreach (var label in labels ?? []) Counts[label] = Counts.GetValueOrDefault(label) + 1;
        if (member is null) return;
        Purchasers++;
        var index = Members.BinarySearch(member, KeyOrder.Instance);
        if (index >= 0) return; // same customer counted twice: keep one
        index = ~index;
        if (Members.Count >= Capacity && index >= Members.Count) return;
        Members.Insert(index, member);
        if (Members.Count > Capacity) Members.RemoveAt(Members.Count - 1);
    }

    public static PopulationSample Merge(PopulationSample left, PopulationSample right)
    {
        var capacity = Math.Min(left.Capacity, right.Capacity);
        var merged = new PopulationSample
        {
            Capacity = capacity,
            Customers = left.Customers + right.Customers,
            Purchasers = left.Purchasers + right.Purchasers,
            Members = left.Members.Concat(right.Members).DistinctBy(m => m.Key).OrderBy(m => m.Key).Take(capacity).ToList(),
        };
        foreach (var (label, count) in left.Counts.Concat(right.Counts)) merged.Counts[label] = merged.Counts.GetValueOrDefault(label) + count;
        return merged;
    }

    /// <summary>A stable 64-bit hash of a customer id (FNV-1a, then a SplitMix64 finaliser to spread the bits).</summary>
    public static ulong KeyOf(string customerId)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(customerId))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        hash ^= hash >> 30;
        hash *= 0xBF58476D1CE4E5B9UL;
        hash ^= hash >> 27;
        hash *= 0x94D049BB133111EBUL;
        return hash ^ (hash >> 31);
    }

    private sealed class KeyOrder : IComparer<PopulationMember>
    {
        public static KeyOrder Instance { get; } = new();

        public int Compare(PopulationMember? x, PopulationMember? y) => x!.Key.CompareTo(y!.Key);
    }
}
