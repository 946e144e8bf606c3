using Engagement.Model;
using Engagement.Storage;

namespace Engagement.Tests.Query;

/// <summary>
/// A synthetic population of customer digests, the same for a seed, with every query dimension spread unevenly:
/// stages, tiers with and without CLV bands, RFM cells (and none), teams, segments and profile attributes (in mixed
/// case, as channels send them). Written straight into a store through the journal's digest path, as grains would.
/// </summary>
public static class SyntheticCustomers
{
    public static readonly string[] Tiers = ["A", "A/Gold", "A/Platinum", "B", "B/Silver", "C", "C/Bronze"];
    public static readonly string[] Teams = ["north", "south", "east", "west", ""];
    public static readonly string[] Segments = ["vip", "lapsing", "newsletter", "big_spenders"];
    public static readonly string[] Regions = ["North", "south", "EAST", "west", "central"];

    public static IReadOnlyList<CustomerDigest> Generate(int count, int seed = 16)
    {
        var random = new Random(seed);
        var stages = Enum.GetNames<LifecycleStage>();
        T Skewed<T>(IReadOnlyList<T> values) => values[(int)(Math.Pow(random.NextDouble(), 1.6) * values.Count)];
        var digests = new List<CustomerDigest>(count);
        for (var i = 0; i < count; i++)
        {
            RfmScore? rfm = random.Next(10) == 0 ? null : new RfmScore(random.Next(1, 6), random.Next(1, 6), random.Next(1, 6));
            var segments = Segments.Where((_, s) => random.Next(s + 2) == 0).ToArray();
            var attributes = new List<(string, string)> { ("Region", Skewed(Regions)), ("gender", random.Next(2) == 0 ? "F" : "M") };
            if (random.Next(3) == 0) attributes.Add(("city", $"City {random.Next(40)}"));
            var clv = Math.Round(random.NextDouble() * 5000, 2);
            var risk = Math.Round(random.NextDouble(), 3);
            digests.Add(new CustomerDigest($"q-{i:D6}", 700_000 + random.Next(300), 700_300 + random.Next(100), random.Next(1, 30),
                Math.Round(random.NextDouble() * 9000, 2), 40, Skewed(stages), Skewed(Tiers), string.Join(',', segments), null,
                Skewed(Teams), i % 1000 == 0 ? $"Doe, \"Jo\" {i}" : $"Customer {i}", null, clv, risk,
                RfmGroup: rfm?.Group.ToString() ?? "", RfmCell: rfm?.Cell ?? "", Attributes: CustomerAttributes.Of(attributes)));
        }
        return digests;
    }

    /// <summary>Writes the digests through the journal's group commits, in chunks, and waits until they are committed.</summary>
    public static async Task WriteAsync(GroupCommitJournal journal, IEnumerable<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        foreach (var chunk in digests.Chunk(5000))
        {
            foreach (var digest in chunk) journal.RecordDigest(digest);
            await journal.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Whether a digest matches a tier filter as the store reads it: a plain tier takes in its CLV bands.</summary>
    public static bool InTier(CustomerDigest digest, string tier) =>
        digest.Tier == tier || (!tier.Contains('/') && digest.Tier.StartsWith(tier + "/", StringComparison.Ordinal));

    public static string? Attribute(CustomerDigest digest, string name) =>
        digest.Attributes!.Pairs.FirstOrDefault(p => p.Key == name).Value;

    /// <summary>Counts by key, as the store answers them (largest first, then by key).</summary>
    public static IReadOnlyList<GroupCount> CountBy(IEnumerable<CustomerDigest> digests, Func<CustomerDigest, IEnumerable<string>> keys) =>
        [.. digests.SelectMany(keys).GroupBy(k => k, StringComparer.Ordinal).Select(g => new GroupCount(g.Key, g.LongCount()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal)];
}
