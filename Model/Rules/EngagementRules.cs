namespace Engagement.Model;

/// <summary>
/// Every threshold, weight, stage rule, action text and segment the customer model uses, bound from the
/// configuration section <see cref="SectionName"/> and hot-reloaded by the host. Defaults follow the domain
/// description. <see cref="Validate"/> lists what is wrong with a rule set; the host refuses an invalid
/// reload and keeps the previous rules. A rules instance is treated as immutable once in use (its segments
/// are parsed once and cached).
/// </summary>
public sealed class EngagementRules
{
    public const string SectionName = "Engagement:Rules";

    /// <summary>IANA or Windows time-zone id whose calendar days group purchases (several purchases on a day are one purchase day).</summary>
    public string TimeZone { get; set; } = "UTC";

    public EngagementScoreRules Engagement { get; set; } = new();

    public SatisfactionRules Satisfaction { get; set; } = new();

    public ChurnRules Churn { get; set; } = new();

    public StageRules Stages { get; set; } = new();

    public TierRules Tiers { get; set; } = new();

    public ClvRules Clv { get; set; } = new();

    public ActionRules Actions { get; set; } = new();

    public PopulationRules Population { get; set; } = new();

    /// <summary>Named segment rules, e.g. <c>"vip_at_risk": "tier = A and churn_risk &gt; 0.5"</c> (see <see cref="SegmentParser"/>).</summary>
    public Dictionary<string, string> Segments { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many decision-log entries a customer keeps (newest first).</summary>
    public int DecisionLogCapacity { get; set; } = 50;

    private PurchaseCalendar? calendar;
    private IReadOnlyList<Segment>? compiledSegments;

    // Methods, not properties: the configuration binder would otherwise read them while binding.
    public PurchaseCalendar GetCalendar() => calendar ??= new PurchaseCalendar(TimeZoneInfo.FindSystemTimeZoneById(TimeZone));

    /// <summary>The segments parsed once; throws <see cref="SegmentParseException"/> on an invalid rule (validate first).</summary>
    public IReadOnlyList<Segment> GetSegments() =>
        compiledSegments ??= Segments.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new Segment(s.Key, SegmentParser.Parse(s.Value))).ToArray();

    /// <summary>Clear, one-line messages for every problem; empty when the rules are usable.</summary>
    public IReadOnlyList<string> Validate() => EngagementRulesValidator.Validate(this);
}

/// <summary>Engagement score: points per interaction, decaying exponentially with a half-life.</summary>
public sealed class EngagementScoreRules
{
    public double HalfLifeDays { get; set; } = 30;
    public double Purchase { get; set; } = 10;
    public double Visit { get; set; } = 2;
    public double EmailOpen { get; set; } = 1;
    public double EmailClick { get; set; } = 3;
    public double ResolvedContact { get; set; } = 2;
    public double TransferredContact { get; set; }
    public double UnresolvedContact { get; set; } = -5;
    public double LowSeverityComplaint { get; set; } = -3;
    public double MediumSeverityComplaint { get; set; } = -6;
    public double HighSeverityComplaint { get; set; } = -10;
}

public sealed class SatisfactionRules
{
    /// <summary>The rolling CSAT mean is over this many most recent answers.</summary>
    public int CsatWindow { get; set; } = 10;

    /// <summary>A complaint open longer than this is overdue (for escalation).</summary>
    public double ComplaintOverdueDays { get; set; } = 7;
}

/// <summary>How the one-time buyer's silence is judged, since BG/NBD gives P(alive) = 1 whenever x = 0.</summary>
public enum OneTimeBuyerSilence
{
    /// <summary>
    /// P(alive) = share of the population's repeat customers whose mean gap between purchase days is at least
    /// the one-time buyer's silence: silence measured against the population's rhythm (the default).
    /// </summary>
    PopulationRhythm,

    /// <summary>Pure BG/NBD: a one-time buyer is always alive; their churn risk never rises with silence.</summary>
    ModelOnly,
}

/// <summary>
/// Churn risk = 1 − (1 − silence) · Π (1 − signal weight) over the active signals (a noisy-OR), silence being
/// 1 − P(alive); an explicit cancellation makes it 1.
/// </summary>
public sealed class ChurnRules
{
    public OneTimeBuyerSilence OneTimeBuyer { get; set; } = OneTimeBuyerSilence.PopulationRhythm;
    public double OpenHighSeverityComplaint { get; set; } = 0.30;
    public double OpenMediumSeverityComplaint { get; set; } = 0.10;
    public double DetractorAnswer { get; set; } = 0.20;
    public double RepeatedUnresolvedContacts { get; set; } = 0.20;

    /// <summary>This many unresolved contacts within the window (and since the last resolved one) count as repeated.</summary>
    public int UnresolvedContactsThreshold { get; set; } = 2;
    public double UnresolvedContactWindowDays { get; set; } = 30;
}

public sealed class StageRules
{
    /// <summary>Churn risk at or above which a customer is AtRisk.</summary>
    public double AtRiskThreshold { get; set; } = 0.5;

    /// <summary>Churn risk at or above which a customer is Lapsed.</summary>
    public double LapsedThreshold { get; set; } = 0.8;

    /// <summary>A repeat customer with at least this many purchase days, or <see cref="LoyalMinEngagement"/>, and no bad service signal is Loyal.</summary>
    public int LoyalMinPurchaseDays { get; set; } = 4;
    public double LoyalMinEngagement { get; set; } = 60;
}

public sealed class TierRules
{
    /// <summary>A: the customers who together make the top 80% of revenue.</summary>
    public double AShare { get; set; } = 0.80;

    /// <summary>B: the next 15%; C is the rest.</summary>
    public double BShare { get; set; } = 0.15;

    /// <summary>Refine tiers with CLV bands (Platinum / Gold / Silver / Bronze).</summary>
    public bool ClvBands { get; set; }
    public double PlatinumMinClv { get; set; } = 1000;
    public double GoldMinClv { get; set; } = 500;
    public double SilverMinClv { get; set; } = 200;
}

public sealed class ClvRules
{
    /// <summary>The models' time unit in days (7: weeks, as in the papers).</summary>
    public double ModelTimeUnitDays { get; set; } = 7;
    public double HorizonDays { get; set; } = 365;
    public double AnnualDiscountRate { get; set; } = 0.10;
}

/// <summary>The next-best-action texts (domain Strategies); the reason is composed from the customer's facts.</summary>
public sealed class ActionRules
{
    public string FixComplaint { get; set; } = "Fix the open complaint first";
    public string WinBack { get; set; } = "Win-back offer";
    public string RetentionCareCall { get; set; } = "Personal care call";
    public string RetentionOffer { get; set; } = "Retention offer";
    public string Welcome { get; set; } = "Welcome offer for a first purchase";
    public string Vip { get; set; } = "VIP service and personal recommendations";
    public string Promotion { get; set; } = "Promotion, points or membership offer";
    public string WakeUp { get; set; } = "Wake-up coupon";
    public string NoSpend { get; set; } = "No spend: newsletter only";

    /// <summary>Tier C customers below this engagement get a wake-up coupon; above it, no spend.</summary>
    public double WakeUpBelowEngagement { get; set; } = 30;
}

public sealed class PopulationRules
{
    /// <summary>Customers kept per population sample (bottom-k by a hash of the id); below it the statistics are exact.</summary>
    public int SampleCapacity { get; set; } = 50_000;
}
