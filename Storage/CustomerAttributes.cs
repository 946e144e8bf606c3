using Engagement.Model;

namespace Engagement.Storage;

/// <summary>
/// The profile attributes a customer is found by (<c>region = north</c>), as the query index keeps them: names and
/// values in lower case (queries ignore case), at most <see cref="MaxCount"/> per customer (the first by name) and
/// values of at most <see cref="MaxValueLength"/> characters (longer ones are not indexed), so that a customer's rows
/// stay bounded whatever its profile. Equal when they index the same rows, so an unchanged digest stays unchanged.
/// </summary>
public sealed class CustomerAttributes : IEquatable<CustomerAttributes>
{
    public const int MaxCount = 64;

    public const int MaxValueLength = 256;

    public static CustomerAttributes Empty { get; } = new([]);

    private long? _hash;

    /// <summary>The profile's own names and values this was made from (null: made from a list), to tell an unchanged profile.</summary>
    private readonly KeyValuePair<string, string>[]? _source;

    private CustomerAttributes(KeyValuePair<string, string>[] pairs, KeyValuePair<string, string>[]? source = null)
    {
        Pairs = pairs;
        _source = source;
    }

    /// <summary>The indexed pairs, by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pairs { get; }

    /// <summary>
    /// Stored beside the digest, to tell a change of the rows without reading them: FNV-1a over the pairs, each part
    /// preceded by its length. Stable across processes (unlike <see cref="string.GetHashCode()"/>).
    /// </summary>
    public long Hash => _hash ??= Fnv(Pairs);

    private static long Fnv(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var hash = 14695981039346656037UL;
        void Add(int value) { hash ^= (uint)value; hash *= 1099511628211UL; }
        foreach (var (name, value) in pairs)
        {
            foreach (var part in (string[])[name, value])
            {
                Add(part.Length);
                foreach (var c in part) Add(c);
            }
        }
        return unchecked((long)hash);
    }

    public static CustomerAttributes Of(IEnumerable<(string Name, string Value)> attributes)
    {
        var pairs = attributes
            .Select(a => (Name: Key(a.Name), Value: Key(a.Value)))
            .Where(a => a.Name.Length > 0 && a.Value.Length is > 0 and <= MaxValueLength)
            .DistinctBy(a => a.Name, StringComparer.Ordinal)
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Take(MaxCount)
            .Select(a => KeyValuePair.Create(a.Name, a.Value))
            .ToArray();
        return pairs.Length == 0 ? Empty : new CustomerAttributes(pairs);
    }

    /// <summary>
    /// A profile's attributes, or <paramref name="previous"/> when it was made from the same names and values: a digest
    /// is computed after every event and a profile seldom changes, so that check reads the profile and allocates nothing.
    /// </summary>
    /// <param name="excluded">Attributes not to index (the personal ones, <c>Engagement:Privacy:PersonalAttributes</c>): what other systems query needs no name or address.</param>
    public static CustomerAttributes Of(IReadOnlyDictionary<string, ProfileAttribute> profile, CustomerAttributes? previous, IReadOnlySet<string>? excluded = null)
    {
        if (previous?._source is { } source && source.Length == profile.Count && source.All(
                pair => profile.TryGetValue(pair.Key, out var attribute) && string.Equals(attribute.Value, pair.Value, StringComparison.Ordinal)))
        {
            return previous;
        }
        var made = Of(profile.Where(a => excluded?.Contains(a.Key) != true).Select(a => (a.Key, a.Value.Value)));
        return new CustomerAttributes([.. made.Pairs], [.. profile.Select(a => KeyValuePair.Create(a.Key, a.Value.Value))]);
    }

    /// <summary>How names and values are kept and matched: trimmed, lower case.</summary>
    public static string Key(string text) => text.Trim().ToLowerInvariant();

    public bool Equals(CustomerAttributes? other) =>
        other is not null && (ReferenceEquals(this, other) || (Pairs.Count == other.Pairs.Count
            && Pairs.Zip(other.Pairs).All(p => string.Equals(p.First.Key, p.Second.Key, StringComparison.Ordinal)
                && string.Equals(p.First.Value, p.Second.Value, StringComparison.Ordinal))));

    public override bool Equals(object? obj) => Equals(obj as CustomerAttributes);

    public override int GetHashCode() => Hash.GetHashCode();
}
