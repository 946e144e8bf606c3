using System.Data.Common;
using System.Globalization;
using Engagement.Model;

namespace Engagement.Storage;

/// <summary>How many stored customers a rule matches: <see cref="Examined"/> digests read, and the rule's traits no digest holds.</summary>
public sealed record SegmentDryRunCount(long Matching, long Examined, IReadOnlyList<string> TraitsNotStored);

/// <summary>
/// Counts the customers a segment rule would match, from the stored digests and profile attributes alone (no customer
/// grain wakes): the traits a digest holds (<see cref="DigestTraits"/>) and the indexed attributes. A trait only the whole
/// customer holds (engagement, satisfaction, the CLV model's parts) counts as absent, as a missing trait does in a rule,
/// and is named in the answer: the count is exact for rules over stored traits, an estimate for the others.
/// </summary>
public sealed class SegmentDryRun(StoreDialect dialect)
{
    public Task<SegmentDryRunCount> CountAsync(SegmentExpression rule, int asOfDay, StageRules stages, CancellationToken cancellationToken = default) =>
        dialect.OffTheCaller(async () =>
        {
            var names = TraitNames(rule);
            var attributeNames = names.Where(n => !DigestTraits.Computed.Contains(n)).Select(CustomerAttributes.Key).Distinct(StringComparer.Ordinal).ToList();
            var notStored = names.Where(DigestTraits.NotStored.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var attributeFilter = string.Join(", ", attributeNames.Select((_, i) => $"@a{i}"));
            var sql = attributeNames.Count == 0
                ? $"SELECT {DigestTraits.Columns}, NULL, NULL FROM engagement_customer_digest d"
                : $"""
                    SELECT {DigestTraits.Columns}, a.name, a.value FROM engagement_customer_digest d
                    LEFT JOIN engagement_customer_attributes a ON a.customer_id = d.customer_id AND a.name IN ({attributeFilter})
                    ORDER BY d.customer_id
                    """;
            await using var connection = await dialect.OpenReadAsync(cancellationToken);
            await using var command = SqlCommands.Create(connection, null, sql, [.. attributeNames.Select((n, i) => ($"a{i}", (object)n))]);
            command.CommandTimeout = 0;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            long matching = 0, examined = 0;
            DigestTraits? customer = null;
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                if (customer?.CustomerId != id)
                {
                    if (customer is not null && rule.Evaluate(customer.Lookup)) matching++;
                    customer = DigestTraits.Read(reader, asOfDay, stages);
                    examined++;
                }
                if (!reader.IsDBNull(DigestTraits.ColumnCount)) customer.Attributes[reader.GetString(DigestTraits.ColumnCount)] = reader.GetString(DigestTraits.ColumnCount + 1);
            }
            if (customer is not null && rule.Evaluate(customer.Lookup)) matching++;
            return new SegmentDryRunCount(matching, examined, notStored);
        });

    /// <summary>The trait names a rule reads.</summary>
    public static IReadOnlyList<string> TraitNames(SegmentExpression rule)
    {
        var names = new List<string>();
        void Walk(SegmentExpression e)
        {
            switch (e)
            {
                case AndExpression and: Walk(and.Left); Walk(and.Right); break;
                case OrExpression or: Walk(or.Left); Walk(or.Right); break;
                case NotExpression not: Walk(not.Operand); break;
                case ComparisonExpression comparison: names.Add(comparison.Trait); break;
                case InExpression @in: names.Add(@in.Trait); break;
                default: throw new InvalidOperationException($"Unknown segment expression {e.GetType().Name}.");
            }
        }
        Walk(rule);
        return names;
    }
}

/// <summary>
/// A customer's traits as its digest holds them, named as <see cref="CustomerTraits.Lookup"/> names them, with its indexed
/// profile attributes (lower case; rules compare text ignoring case).
/// </summary>
public sealed class DigestTraits
{
    internal const string Columns =
        "d.customer_id, d.first_purchase_day, d.last_purchase_day, d.purchase_days, d.total_spend, d.stage, d.tier, d.rfm_cell, d.rfm_group, d.clv, d.churn_risk";

    internal const int ColumnCount = 11;

    /// <summary>The computed traits a digest holds.</summary>
    public static IReadOnlySet<string> Stored { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "tier", "clv_band", "stage", "rfm", "rfm_group", "r", "f", "m", "frequency", "x", "purchase_days", "recency_days", "t_x", "age_days",
        "total_spend", "monetary", "clv", "churn_risk", "risk_band",
    };

    /// <summary>The computed traits only the whole customer holds.</summary>
    public static IReadOnlySet<string> NotStored { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "mean_spend", "p_alive", "expected_purchases", "expected_spend", "predicted_value", "engagement", "csat", "nps", "nps_category",
        "open_complaints", "open_high_complaints",
    };

    /// <summary>Every computed trait name: any other name is a profile attribute.</summary>
    public static IReadOnlySet<string> Computed { get; } = new HashSet<string>(Stored.Concat(NotStored), StringComparer.Ordinal);

    private DigestTraits(string customerId) => CustomerId = customerId;

    public string CustomerId { get; }

    public Dictionary<string, string> Attributes { get; } = new(StringComparer.OrdinalIgnoreCase);

    private int? _first, _last, _asOf;
    private int _purchaseDays;
    private double _totalSpend, _clv, _churnRisk;
    private string _stage = "", _tier = "", _rfmCell = "", _rfmGroup = "";
    private StageRules _stages = new();

    internal static DigestTraits Read(DbDataReader r, int asOfDay, StageRules stages) => new(r.GetString(0))
    {
        _first = r.IsDBNull(1) ? null : r.GetInt32(1),
        _last = r.IsDBNull(2) ? null : r.GetInt32(2),
        _purchaseDays = r.GetInt32(3),
        _totalSpend = r.GetDouble(4),
        _stage = r.GetString(5),
        _tier = r.GetString(6),
        _rfmCell = r.GetString(7),
        _rfmGroup = r.GetString(8),
        _clv = r.GetDouble(9),
        _churnRisk = r.GetDouble(10),
        _asOf = asOfDay,
        _stages = stages,
    };

    /// <summary>A digest's traits (for tests and callers holding digests rather than rows).</summary>
    public static DigestTraits Of(CustomerDigest digest, int asOfDay, StageRules stages)
    {
        var traits = new DigestTraits(digest.CustomerId)
        {
            _first = digest.FirstPurchaseDay, _last = digest.LastPurchaseDay, _purchaseDays = digest.PurchaseDays, _totalSpend = digest.TotalSpend,
            _stage = digest.Stage, _tier = digest.Tier, _rfmCell = digest.RfmCell, _rfmGroup = digest.RfmGroup ?? "", _clv = digest.Clv,
            _churnRisk = digest.ChurnRisk, _asOf = asOfDay, _stages = stages,
        };
        foreach (var (name, value) in digest.Attributes?.Pairs ?? []) traits.Attributes[name] = value;
        return traits;
    }

    public TraitValue? Lookup(string name)
    {
        static TraitValue N(double value) => TraitValue.Of(value);
        static TraitValue T(string value) => TraitValue.Of(value);
        TraitValue? Digit(int i) => _rfmCell.Length == 3 ? N(_rfmCell[i] - '0') : null;
        var slash = _tier.IndexOf('/', StringComparison.Ordinal);
        var purchased = _first is not null && _last is not null;
        return name switch
        {
            "tier" => T(slash < 0 ? _tier : _tier[..slash]),
            "clv_band" => slash < 0 ? null : T(_tier[(slash + 1)..]),
            "stage" => T(_stage),
            "rfm" => _rfmCell.Length == 0 ? null : T(_rfmCell),
            "rfm_group" => _rfmGroup.Length == 0 ? null : T(_rfmGroup),
            "r" => Digit(0),
            "f" => Digit(1),
            "m" => Digit(2),
            "frequency" or "x" => N(Math.Max(0, _purchaseDays - 1)),
            "purchase_days" => N(_purchaseDays),
            "recency_days" => purchased ? N(Math.Max(0, _asOf!.Value - _last!.Value)) : null,
            "t_x" => N(purchased ? _last!.Value - _first!.Value : 0),
            "age_days" => N(purchased ? Math.Max(_last!.Value - _first!.Value, _asOf!.Value - _first!.Value) : 0),
            "total_spend" or "monetary" => N(_totalSpend),
            "clv" => N(_clv),
            "churn_risk" => N(_churnRisk),
            "risk_band" => T(ChurnModel.BandOf(_churnRisk, _stages).ToString()),
            _ when Computed.Contains(name) => null,
            _ => Attributes.TryGetValue(name, out var value) ? T(value) : null,
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CustomerId} {_tier} {_stage}");
}
