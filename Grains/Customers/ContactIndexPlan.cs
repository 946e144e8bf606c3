using Engagement.Model;

namespace Engagement.Grains.Customers;

/// <summary>
/// What the contact index must be told so that it holds exactly the customer's contacts (see
/// <see cref="ContactKeys"/>): the keys to release, which the customer no longer has, then the keys to claim.
/// Empty while the index and the profile agree, which is nearly always.
/// </summary>
public sealed record ContactIndexPlan(IReadOnlyList<string> Release, IReadOnlyList<string> Claim)
{
    public static ContactIndexPlan None { get; } = new([], []);

    public bool IsEmpty => Release.Count == 0 && Claim.Count == 0;

    /// <summary>The plan that brings the keys <paramref name="indexed"/> in line with a profile.</summary>
    public static ContactIndexPlan For(IReadOnlyDictionary<string, ProfileAttribute> profile, IReadOnlySet<string> indexed) =>
        Between(ContactKeys.Of(profile.Select(a => KeyValuePair.Create(a.Key, a.Value.Value))), indexed);

    /// <summary>The plan that turns the keys <paramref name="indexed"/> into the keys <paramref name="wanted"/>.</summary>
    public static ContactIndexPlan Between(IReadOnlySet<string> wanted, IReadOnlySet<string> indexed)
    {
        if (indexed.SetEquals(wanted)) return None;
        // Ordered, so that the calls go out in the same order every time.
        return new([.. indexed.Where(k => !wanted.Contains(k)).Order(StringComparer.Ordinal)],
            [.. wanted.Where(k => !indexed.Contains(k)).Order(StringComparer.Ordinal)]);
    }
}
