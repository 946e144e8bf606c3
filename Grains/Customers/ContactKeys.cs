using System.Text;

namespace Engagement.Grains.Customers;

/// <summary>
/// The contacts an agent can search a customer by, from the profile attributes that hold them, normalised so
/// that the way a number or address was typed does not matter: emails trimmed and lower-cased, phone numbers
/// reduced to their digits with a leading '+' kept ("+1 (555) 010-2000" is "+15550102000").
/// Keys are <c>email:&lt;address&gt;</c>, <c>phone:&lt;number&gt;</c> and <c>external:&lt;attribute&gt;:&lt;id&gt;</c>; the identity
/// index (issue 17) keys its rows by them.
/// </summary>
public static class ContactKeys
{
    public const string Email = "email";
    public const string Phone = "phone";

    /// <summary>Profile attributes holding an email address (attribute names are case-insensitive).</summary>
    public static IReadOnlySet<string> EmailAttributes { get; } = new HashSet<string>(["email", "email_address"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Profile attributes holding a phone number.</summary>
    public static IReadOnlySet<string> PhoneAttributes { get; } = new HashSet<string>(["phone", "phone_number", "mobile"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Ids another system knows the customer by (issue 17): a loyalty number, an anonymous web visitor's id.</summary>
    public const string External = "external";

    /// <summary>Profile attributes holding an external id; the key is <c>external:&lt;attribute&gt;:&lt;id&gt;</c>, the id trimmed.</summary>
    public static IReadOnlySet<string> ExternalAttributes { get; } =
        new HashSet<string>(["loyalty_id", "loyalty_number", "web_id", "anonymous_id", "external_id"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a profile update names any contact attribute.</summary>
    public static bool Touches(IEnumerable<string> attributeNames) =>
        attributeNames.Any(name => EmailAttributes.Contains(name) || PhoneAttributes.Contains(name) || ExternalAttributes.Contains(name));

    /// <summary>The contact keys of a profile (values that do not normalise to a contact are left out).</summary>
    public static HashSet<string> Of(IEnumerable<KeyValuePair<string, string>> profile)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in profile)
        {
            var key = EmailAttributes.Contains(name) ? OfEmail(value) : PhoneAttributes.Contains(name) ? OfPhone(value)
                : ExternalAttributes.Contains(name) ? OfExternal(name, value) : null;
            if (key is not null) keys.Add(key);
        }
        return keys;
    }

    /// <summary>The key a search text names: an email address if it has an '@', otherwise a phone number.</summary>
    public static string? OfQuery(string query) => query.Contains('@') ? OfEmail(query) : OfPhone(query);

    /// <summary>What a key is: <see cref="Email"/> or <see cref="Phone"/>.</summary>
    public static string KindOf(string key) => key[..key.IndexOf(':')];

    private static string? OfEmail(string value)
    {
        var email = value.Trim().ToLowerInvariant();
        var at = email.IndexOf('@');
        return at > 0 && at < email.Length - 1 ? $"{Email}:{email}" : null;
    }

    private static string? OfExternal(string attribute, string value)
    {
        var id = value.Trim();
        return id.Length > 0 ? $"{External}:{attribute.ToLowerInvariant()}:{id}" : null;
    }

    private static string? OfPhone(string value)
    {
        var trimmed = value.Trim();
        var digits = new StringBuilder(trimmed.Length);
        if (trimmed.StartsWith('+')) digits.Append('+');
        foreach (var c in trimmed)
        {
            if (char.IsAsciiDigit(c)) digits.Append(c);
        }
        // Fewer digits than any real number is a typo or a fragment, not something to index or match.
        var count = digits.Length - (trimmed.StartsWith('+') ? 1 : 0);
        return count >= MinPhoneDigits ? $"{Phone}:{digits}" : null;
    }

    private const int MinPhoneDigits = 4;
}
