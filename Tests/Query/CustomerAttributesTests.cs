using Engagement.Model;
using Engagement.Storage;

namespace Engagement.Tests.Query;

/// <summary>What the query index keeps of a profile: lower case, bounded in count and value length, equal when it indexes the same rows.</summary>
public sealed class CustomerAttributesTests
{
    [Fact]
    public void Names_and_values_are_kept_trimmed_in_lower_case_by_name()
    {
        var attributes = CustomerAttributes.Of([("Region", " North "), ("city", "Oslo"), ("empty", "  ")]);

        Assert.Equal([KeyValuePair.Create("city", "oslo"), KeyValuePair.Create("region", "north")], attributes.Pairs);
    }

    [Fact]
    public void A_profile_indexes_at_most_64_attributes_and_no_long_values()
    {
        var attributes = CustomerAttributes.Of([.. Enumerable.Range(0, 100).Select(i => ($"a{i:D3}", "x")), ("bio", new string('b', CustomerAttributes.MaxValueLength + 1))]);

        Assert.Equal(CustomerAttributes.MaxCount, attributes.Pairs.Count);
        Assert.Equal("a063", attributes.Pairs[^1].Key);
        Assert.DoesNotContain(attributes.Pairs, p => p.Key == "bio");
    }

    [Fact]
    public void Equal_attributes_are_equal_digests_and_a_changed_value_is_a_change()
    {
        var one = CustomerAttributes.Of([("region", "north"), ("city", "Oslo")]);
        var same = CustomerAttributes.Of([("City", "oslo"), ("Region", "NORTH")]);
        var moved = CustomerAttributes.Of([("region", "south"), ("city", "Oslo")]);
        var digest = new CustomerDigest("c1", null, null, 0, 0, 0, "New", "C", "", null, Attributes: one);

        Assert.Equal(one, same);
        Assert.Equal(one.Hash, same.Hash);
        Assert.Equal(digest, digest with { Attributes = same });
        Assert.NotEqual(digest, digest with { Attributes = moved });
        Assert.NotEqual(one.Hash, moved.Hash);
    }

    [Fact]
    public void A_profile_that_has_not_changed_gives_back_the_attributes_made_before_and_a_changed_one_new_ones()
    {
        var at = DateTimeOffset.UnixEpoch;
        var profile = new Dictionary<string, ProfileAttribute>(StringComparer.OrdinalIgnoreCase)
        {
            ["Region"] = new("North", at),
            ["city"] = new("Oslo", at),
        };
        var first = CustomerAttributes.Of(profile, previous: null);

        Assert.Same(first, CustomerAttributes.Of(profile, first));

        profile["city"] = new("Bergen", at);
        var moved = CustomerAttributes.Of(profile, first);
        Assert.NotSame(first, moved);
        Assert.Equal([KeyValuePair.Create("city", "bergen"), KeyValuePair.Create("region", "north")], moved.Pairs);

        profile["tier"] = new("gold", at);
        Assert.Equal(3, CustomerAttributes.Of(profile, moved).Pairs.Count);
        profile.Remove("tier");
        profile.Remove("city");
        Assert.Equal([KeyValuePair.Create("region", "north")], CustomerAttributes.Of(profile, moved).Pairs);
    }
}
