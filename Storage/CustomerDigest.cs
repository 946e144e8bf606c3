using Engagement.Model;

namespace Engagement.Storage;

/// <summary>
/// What the population statistics need of one customer, kept in its own table so that a refit reads
/// narrow rows by bucket instead of every checkpoint: the purchase summary in calendar days, and the
/// stage and tier for the population's counts. The stored digest is also what the change feed last said of the customer
/// (stage, tier, RFM group, risk band, segments: <see cref="ChangeFeedWriter"/>), and the key of the query index's rows
/// (segments, attributes: <see cref="CustomerIndex"/>).
/// </summary>
public sealed record CustomerDigest(
    string CustomerId,
    int? FirstPurchaseDay,
    int? LastPurchaseDay,
    int PurchaseDays,
    double TotalSpend,
    double MeanRepeatSpend,
    string Stage,
    string Tier,
    string Segments,
    DateTimeOffset? DueAt,
    string Team = "",
    string? Name = null,
    string? Email = null,
    double Clv = 0,
    double ChurnRisk = 0,
    string? RiskBand = null,
    string? RfmGroup = null,
    string RfmCell = "",
    CustomerAttributes? Attributes = null)
{
    /// <summary>Money at risk: CLV × churn risk (the measure alerts rank by), kept as a column so a worklist ranks by it.</summary>
    public double ExpectedLoss => MoneyAtRisk.Of(Clv, ChurnRisk);

    /// <summary>The hash of the attributes, by which a commit knows whether the attribute rows must be rewritten.</summary>
    public long AttributesHash => (Attributes ?? CustomerAttributes.Empty).Hash;

    /// <summary>The digits that end the id (<c>1234</c> of <c>cdnow-1234</c>), so that an agent can search by the number alone.</summary>
    public string? IdNumber
    {
        get
        {
            var start = CustomerId.Length;
            while (start > 0 && char.IsAsciiDigit(CustomerId[start - 1])) start--;
            return start < CustomerId.Length ? CustomerId[start..] : null;
        }
    }

    /// <summary>Search keys are lower case, so that a prefix search ignores case with a plain index.</summary>
    public static string? SearchKey(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToLowerInvariant();

    /// <summary>Buckets spread customers evenly over shards, whatever the number of shards (a divisor of it).</summary>
    public const int Buckets = 1024;

    public int Bucket => (int)(PopulationSample.KeyOf(CustomerId) % Buckets);

    /// <summary>The population member as of a calendar day (T measured to it).</summary>
    public PopulationMember? ToMember(int asOfDay)
    {
        if (FirstPurchaseDay is not { } first || LastPurchaseDay is not { } last) return null;
        double recency = last - first;
        var age = Math.Max(recency, asOfDay - first);
        return new PopulationMember(PopulationSample.KeyOf(CustomerId), Math.Max(0, PurchaseDays - 1), recency, age, age - recency,
            PurchaseDays, TotalSpend, MeanRepeatSpend);
    }

    /// <summary>The segments as stored: names joined by commas (segment names are identifiers).</summary>
    public IEnumerable<string> SegmentNames => Segments.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The due time as stored: Unix milliseconds, so that SQLite and PostgreSQL compare it the same way.</summary>
    public long? DueAtMilliseconds => DueAt?.ToUnixTimeMilliseconds();

    public static DateTimeOffset? FromMilliseconds(long? milliseconds) =>
        milliseconds is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <param name="team">The customer's team (whose agents' worklists list it when at risk).</param>
    /// <param name="previousAttributes">The attributes of the customer's last digest, kept when its profile is unchanged.</param>
    public static CustomerDigest Of(string customerId, CustomerModel model, CustomerTraits traits, DateTimeOffset? dueAt, PurchaseCalendar calendar,
        string team = "", CustomerAttributes? previousAttributes = null, IReadOnlySet<string>? unindexedAttributes = null)
    {
        var p = model.Purchases;
        var tier = model.ClvBand is { } band ? $"{model.Tier}/{band}" : model.Tier.ToString();
        string? Profile(params string[] names) =>
            names.Select(n => model.Profile.TryGetValue(n, out var a) ? a.Value : null).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
        return new CustomerDigest(customerId,
            p.FirstPurchaseAt is { } f ? calendar.DayOf(f) : null,
            p.LastPurchaseAt is { } l ? calendar.DayOf(l) : null,
            p.PurchaseDays, (double)p.TotalSpend, (double)p.MeanRepeatSpend, model.Stage.ToString(), tier, string.Join(',', traits.Segments), dueAt,
            team, Profile("name", "full_name"), Profile("email", "email_address"), traits.Clv, traits.ChurnRisk.Value,
            traits.ChurnRisk.Band.ToString(), traits.RfmGroup?.ToString(), traits.Rfm?.Cell ?? "",
            CustomerAttributes.Of(model.Profile, previousAttributes, unindexedAttributes));
    }
}

/// <summary>The digests of the customers in a range of buckets.</summary>
/// <summary>A customer whose due time (business clock) has come.</summary>
public sealed record DueCustomer(string CustomerId, DateTimeOffset DueAt);

public interface IPopulationStore
{
    /// <summary>Customers of a bucket range whose due time is at or before <paramref name="now"/>, earliest first.</summary>
    Task<IReadOnlyList<DueCustomer>> DueAsync(int fromBucket, int toBucket, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Waits until the digests this process has queued so far are written.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<CustomerDigest>> ReadDigestsAsync(int fromBucket, int toBucket, CancellationToken cancellationToken = default);

    /// <summary>The digests of one bucket with the RFM group last committed with each (for the population sweep); no due times.</summary>
    Task<IReadOnlyList<CustomerDigest>> ReadSweepDigestsAsync(int bucket, CancellationToken cancellationToken = default);

    /// <summary>At-risk customers (AtRisk, Lapsed) of the given teams (every team when null), the most money at risk first.</summary>
    Task<IReadOnlyList<Engagement.Contracts.Customers.AtRiskCustomer>> AtRiskAsync(IReadOnlyCollection<string>? teams, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Customers whose id, the number that ends it, name or email address starts with <paramref name="text"/> (case ignored),
    /// at most <paramref name="limit"/>, ids first.
    /// </summary>
    Task<IReadOnlyList<Engagement.Contracts.Customers.CustomerSearchHit>> SearchAsync(string text, int limit, CancellationToken cancellationToken = default);
}
