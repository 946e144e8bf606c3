using System.ComponentModel.DataAnnotations;

namespace Engagement.Grains.Privacy;

/// <summary>What becomes of events sent for a customer id after its erasure (<c>Engagement:Privacy:AfterErasure</c>).</summary>
public enum AfterErasure
{
    /// <summary>Refused: each event is rejected in the batch's ack, field <c>customer_id</c>; nothing is stored.</summary>
    Refuse,

    /// <summary>
    /// Stored anonymised: under a pseudonym made from the keyed hash of the id (no link to the erased history), with the
    /// personal attributes dropped from profile updates, agents' notes dropped and event ids replaced by their keyed hash.
    /// </summary>
    Anonymise,
}

/// <summary>Erasure, export and minimisation (<c>Engagement:Privacy</c>).</summary>
public sealed class PrivacyOptions
{
    public AfterErasure AfterErasure { get; set; } = AfterErasure.Refuse;

    /// <summary>
    /// The profile attributes that identify a person (names compared ignoring case). They are dropped from whatever leaves
    /// the customer for other systems (the change feed's alert changes, the query index of attributes), from alert contexts
    /// unless listed in <see cref="SupervisorAttributes"/>, and from events stored anonymised after an erasure.
    /// </summary>
    public string[]? PersonalAttributes { get; set; }

    /// <summary>The personal attributes a supervisor sees on an alert's context (default: <c>name</c>, to know whom to call about).</summary>
    public string[]? SupervisorAttributes { get; set; }

    /// <summary>
    /// On SQLite, whether an erasure rebuilds the files (VACUUM) and truncates their WAL before it returns, so that no
    /// copy of the person's rows remains in free pages either. It takes time in proportion to the files' size, during which
    /// the file's writers wait; false leaves the freed pages to be reused (or an operator's VACUUM).
    /// </summary>
    public bool CompactAfterErasure { get; set; } = true;

    /// <summary>The most an erasure may take before it is reported failed (and is to be repeated).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan EraseTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The key of the audit's subject hashes; unset, each store makes its own at first start (engagement_privacy_key).</summary>
    public string? HashKey { get; set; }

    public static readonly string[] DefaultPersonalAttributes =
    [
        "name", "full_name", "first_name", "last_name", "email", "email_address", "phone", "phone_number", "mobile",
        "address", "street", "postcode", "zip", "birthdate", "date_of_birth",
    ];

    public IReadOnlySet<string> PersonalInForce =>
        _personal ??= new HashSet<string>(PersonalAttributes is { Length: > 0 } configured ? configured : DefaultPersonalAttributes, StringComparer.OrdinalIgnoreCase);

    public IReadOnlySet<string> SupervisorInForce =>
        _supervisor ??= new HashSet<string>(SupervisorAttributes ?? ["name"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether an attribute is personal and a supervisor does not see it on an alert.</summary>
    public bool HiddenFromSupervisors(string attribute) => PersonalInForce.Contains(attribute) && !SupervisorInForce.Contains(attribute);

    private IReadOnlySet<string>? _personal;
    private IReadOnlySet<string>? _supervisor;

    /// <summary>The prefix of the pseudonyms events are stored under after an erasure, in <see cref="AfterErasure.Anonymise"/>.</summary>
    public const string PseudonymPrefix = "anonymous-";
}
