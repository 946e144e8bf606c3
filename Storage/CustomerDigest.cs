using Engagement.Model;

namespace Engagement.Storage;

/// <summary>
/// What the population statistics need of one customer, kept in its own table so that a refit reads
/// narrow rows by bucket instead of every checkpoint: the purchase summary in calendar days, and the
/// stage and tier for the population's counts.
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
    DateTimeOffset? DueAt)
{
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

    public static CustomerDigest Of(string customerId, CustomerModel model, CustomerTraits traits, DateTimeOffset? dueAt, PurchaseCalendar calendar)
    {
        var p = model.Purchases;
        var tier = model.ClvBand is { } band ? $"{model.Tier}/{band}" : model.Tier.ToString();
        return new CustomerDigest(customerId,
            p.FirstPurchaseAt is { } f ? calendar.DayOf(f) : null,
            p.LastPurchaseAt is { } l ? calendar.DayOf(l) : null,
            p.PurchaseDays, (double)p.TotalSpend, (double)p.MeanRepeatSpend, model.Stage.ToString(), tier, string.Join(',', traits.Segments), dueAt);
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
}
