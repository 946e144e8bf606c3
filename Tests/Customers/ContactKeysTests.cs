using Engagement.Grains.Customers;

namespace Engagement.Tests.Customers;

/// <summary>How a profile's contacts become the keys an agent can search by, however they were typed.</summary>
public sealed class ContactKeysTests
{
    /// <summary>A profile attribute and the key it gives (null: none).</summary>
    public static TheoryData<string, string, string?> Attributes => new()
    {
        { "email", "ann@example.com", "email:ann@example.com" },
        { "EMAIL", "  Ann@Example.COM ", "email:ann@example.com" },
        { "email_address", "bo@shop.cn", "email:bo@shop.cn" },
        { "email", "@example.com", null },
        { "email", "ann@", null },
        { "email", "no address", null },
        { "email", "", null },
        { "phone", "+1 (555) 010-2000", "phone:+15550102000" },
        { "Phone_Number", "555.010.2000", "phone:5550102000" },
        { "mobile", " +86 138 0013 8000 ", "phone:+8613800138000" },
        // A '+' in the middle is typing noise, not a country code.
        { "phone", "00 1 555-0100 +", "phone:0015550100" },
        { "phone", "1234", "phone:1234" },
        { "phone", "+123", null },
        { "phone", "ext. 12", null },
        { "region", "ann@example.com", null },
        { "city", "5550102000", null },
    };

    [Theory]
    [MemberData(nameof(Attributes))]
    public void A_contact_attribute_gives_its_normalised_key(string name, string value, string? key)
    {
        var keys = ContactKeys.Of([KeyValuePair.Create(name, value)]);
        Assert.Equal(key is null ? [] : [key], keys);
    }

    [Fact]
    public void A_profile_gives_one_key_per_distinct_contact()
    {
        var keys = ContactKeys.Of([
            KeyValuePair.Create("email", "ann@example.com"),
            KeyValuePair.Create("email_address", " ANN@example.com"),
            KeyValuePair.Create("phone", "+1 555 010 2000"),
            KeyValuePair.Create("mobile", "+1-555-010-2001"),
            KeyValuePair.Create("region", "north"),
        ]);
        Assert.Equal(["email:ann@example.com", "phone:+15550102000", "phone:+15550102001"], keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Ann@Example.com ", "email:ann@example.com")]
    [InlineData("+1 (555) 010-2000", "phone:+15550102000")]
    [InlineData("555 0102", "phone:5550102")]
    [InlineData("@", null)]
    [InlineData("12", null)]
    [InlineData("ann", null)]
    public void A_search_text_names_an_email_if_it_has_an_at_sign_otherwise_a_phone(string query, string? key) =>
        Assert.Equal(key, ContactKeys.OfQuery(query));

    [Theory]
    [InlineData("email:ann@example.com", ContactKeys.Email)]
    [InlineData("phone:+15550102000", ContactKeys.Phone)]
    public void A_key_says_what_kind_of_contact_it_is(string key, string kind) => Assert.Equal(kind, ContactKeys.KindOf(key));

    [Theory]
    [InlineData("region city", false)]
    [InlineData("region Email", true)]
    [InlineData("MOBILE", true)]
    [InlineData("phone_number", true)]
    [InlineData("email_addresses", false)]
    [InlineData("", false)]
    public void A_profile_update_touches_the_contacts_when_it_names_a_contact_attribute(string names, bool touches) =>
        Assert.Equal(touches, ContactKeys.Touches(names.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
}
