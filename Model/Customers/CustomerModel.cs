using System.Text.Json.Serialization;
using Engagement.Model.Clv;

namespace Engagement.Model;

/// <summary>
/// A profile attribute with the event time of its last update (late updates do not overwrite newer ones). An empty
/// value marks a removed attribute: kept with its time, so that an update older than the removal does not bring it back.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A profile attribute is the domain's word (age band, region, ...), not a .NET attribute.")]
public sealed record ProfileAttribute(string Value, DateTimeOffset At);

/// <summary>
/// The customer aggregate: applies interactions as plain method calls (each O(1), late and out-of-order events
/// included, times always passed in) and evaluates the computed traits with <see cref="Evaluate"/>. It is its own
/// persisted state: every member is a System.Text.Json-serialisable property.
/// </summary>
public sealed class CustomerModel
{
    public string CustomerId { get; set; } = "";

    public PurchaseSummary Purchases { get; init; } = new();

    public EngagementScore Engagement { get; init; } = new();

    public ServiceHistory Service { get; init; } = new();

    // Populated rather than replaced on deserialisation, so attribute names stay case-insensitive.
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)]
    public Dictionary<string, ProfileAttribute> Profile { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The profile's values by attribute name (case-insensitive, as the profile), as segments, cards and alerts see them; removed ones left out.</summary>
    public Dictionary<string, string> ProfileValues()
    {
        var values = new Dictionary<string, string>(Profile.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, attribute) in Profile)
        {
            if (attribute.Value.Length > 0) values[name] = attribute.Value;
        }
        return values;
    }

    public DateTimeOffset? FirstSeenAt { get; set; }

    public DateTimeOffset? LastInteractionAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    public string? CancellationReason { get; set; }

    public int Visits { get; set; }

    public int EmailOpens { get; set; }

    public int EmailClicks { get; set; }

    public int Contacts { get; set; }

    /// <summary>The stage, tier and risk band of the last evaluation, and when the stage was entered.</summary>
    public LifecycleStage Stage { get; set; } = LifecycleStage.Prospect;

    public DateTimeOffset? StageSince { get; set; }

    /// <summary>The last purchase known when the current stage was entered: a newer one from Lapsed/Churned is a win-back.</summary>
    public DateTimeOffset? StageEntryLastPurchaseAt { get; set; }

    public ValueTier Tier { get; set; } = ValueTier.C;

    public ClvBand? ClvBand { get; set; }

    public ChurnRiskBand RiskBand { get; set; } = ChurnRiskBand.Low;

    /// <summary>Stage, tier and risk changes with their causes, newest first, bounded by the rules.</summary>
    public List<DecisionLogEntry> DecisionLog { get; init; } = [];

    /// <summary>A cancellation is in force while no purchase is later than it.</summary>
    [JsonIgnore]
    public bool IsCancelled => CancelledAt is { } cancelled && !(Purchases.LastPurchaseAt > cancelled);

    public void Purchase(DateTimeOffset at, decimal amount, EngagementRules rules)
    {
        Purchases.AddPurchase(at, amount, rules.GetCalendar());
        Touch(at, rules.Engagement.Purchase, rules, "purchase");
    }

    public void Refund(DateTimeOffset at, decimal amount)
    {
        Purchases.AddRefund(amount);
        Touch(at);
    }

    public void Visit(DateTimeOffset at, EngagementRules rules)
    {
        Visits++;
        Touch(at, rules.Engagement.Visit, rules, "visit");
    }

    public void Contact(DateTimeOffset at, ContactChannel channel, TimeSpan duration, ContactOutcome outcome, EngagementRules rules)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        _ = channel; // calls and chats weigh the same today; kept so a rule can tell them apart later
        Contacts++;
        Service.AddContact(outcome, at);
        var e = rules.Engagement;
        Touch(at, outcome switch
        {
            ContactOutcome.Resolved => e.ResolvedContact,
            ContactOutcome.Unresolved => e.UnresolvedContact,
            _ => e.TransferredContact,
        }, rules, outcome switch
        {
            ContactOutcome.Resolved => "contact resolved",
            ContactOutcome.Unresolved => "contact left unresolved",
            _ => "contact transferred",
        });
    }

    public void EmailOpen(DateTimeOffset at, EngagementRules rules)
    {
        EmailOpens++;
        Touch(at, rules.Engagement.EmailOpen, rules, "email opened");
    }

    public void EmailClick(DateTimeOffset at, EngagementRules rules)
    {
        EmailClicks++;
        Touch(at, rules.Engagement.EmailClick, rules, "email clicked");
    }

    public void ComplaintOpened(string ticket, ComplaintSeverity severity, DateTimeOffset at, EngagementRules rules, CustomerLimits? limits = null)
    {
        Service.OpenComplaint(ticket, severity, at, (limits ?? CustomerLimits.Default).MaxOpenComplaints);
        var e = rules.Engagement;
        Touch(at, severity switch
        {
            ComplaintSeverity.High => e.HighSeverityComplaint,
            ComplaintSeverity.Medium => e.MediumSeverityComplaint,
            _ => e.LowSeverityComplaint,
        }, rules, $"{severity.ToString().ToLowerInvariant()}-severity complaint");
    }

    public void ComplaintResolved(string ticket, DateTimeOffset at)
    {
        Service.ResolveComplaint(ticket, at);
        Touch(at);
    }

    /// <summary>A CSAT answer (1..5) or an NPS answer (0..10).</summary>
    public void Survey(SurveyKind kind, int score, DateTimeOffset at, EngagementRules rules)
    {
        Service.AddSurvey(kind, score, at, rules.Satisfaction.CsatWindow);
        Touch(at);
    }

    /// <summary>
    /// Sets profile attributes; an empty value removes one. An update older than the stored value is ignored. Past
    /// <see cref="CustomerLimits.MaxProfileAttributes"/> the attribute updated longest ago is evicted (removal markers first).
    /// </summary>
    public void ProfileUpdate(IReadOnlyDictionary<string, string> attributes, DateTimeOffset at, CustomerLimits? limits = null)
    {
        foreach (var (name, value) in attributes)
        {
            if (Profile.TryGetValue(name, out var current) && current.At > at) continue;
            Profile[name] = new ProfileAttribute(value, at);
        }

        var max = (limits ?? CustomerLimits.Default).MaxProfileAttributes;
        while (Profile.Count > max) Profile.Remove(EvictionCandidate());
        Touch(at);
    }

    /// <summary>The attribute to evict: a removal marker before a value, then the oldest update, then by name (so a replay evicts the same).</summary>
    private string EvictionCandidate()
    {
        string? victim = null;
        ProfileAttribute? oldest = null;
        foreach (var (name, attribute) in Profile)
        {
            if (oldest is null || IsEvictedBefore(attribute, name, oldest, victim!))
            {
                (victim, oldest) = (name, attribute);
            }
        }
        return victim!;

        static bool IsEvictedBefore(ProfileAttribute a, string aName, ProfileAttribute b, string bName) =>
            (a.Value.Length == 0) != (b.Value.Length == 0) ? a.Value.Length == 0
            : a.At != b.At ? a.At < b.At
            : StringComparer.OrdinalIgnoreCase.Compare(aName, bName) < 0;
    }

    public void Cancellation(string reason, DateTimeOffset at)
    {
        if (CancelledAt is null || at >= CancelledAt)
        {
            CancelledAt = at;
            CancellationReason = reason;
        }

        Touch(at);
    }

    /// <summary>
    /// An agent's record of a contact (reached, retained, ...): a decision-log entry at the contact's time, so the card's
    /// history says what was done about the customer. Not an interaction of the customer's, so it moves no score.
    /// </summary>
    public void RecordContactOutcome(string agent, string outcome, string detail, DateTimeOffset at, int capacity)
    {
        var entry = new DecisionLogEntry(at, DecisionKind.Outcome, "", outcome,
            detail.Length > 0 ? $"Agent {agent} recorded: {outcome} ({detail})" : $"Agent {agent} recorded: {outcome}");
        RecordDecision(entry, capacity);
    }

    /// <summary>Records a decision made about the customer rather than computed from it (a contact outcome, a merge).</summary>
    public void RecordDecision(DecisionLogEntry entry, int capacity)
    {
        var at = entry.At;
        // Newest first, by time: a late record lands where it happened.
        var index = DecisionLog.FindIndex(d => d.At <= at);
        DecisionLog.Insert(index < 0 ? DecisionLog.Count : index, entry);
        if (DecisionLog.Count > capacity) DecisionLog.RemoveRange(capacity, DecisionLog.Count - capacity);
    }

    /// <summary>
    /// Computes the traits as of <paramref name="asOf"/> against the population and the rules, moves the stage,
    /// tier and risk band, and records each change with its cause in the decision log. The log is in business time:
    /// a change caused by events is dated at <paramref name="causedAt"/> (the latest of those events' times, never
    /// after <paramref name="asOf"/>), so a replay of last year's history reads as last year, not as the moment it ran.
    /// </summary>
    public CustomerEvaluation Evaluate(DateTimeOffset asOf, PopulationStatistics population, EngagementRules rules, DateTimeOffset? causedAt = null)
    {
        var (traits, stageCause) = Compute(asOf, population, rules);
        var changes = Record(causedAt is { } at && at < asOf ? at : asOf, traits, stageCause, rules.DecisionLogCapacity);
        return new CustomerEvaluation(traits, changes);
    }

    /// <summary>The traits as of <paramref name="asOf"/> without moving the stage or writing the log (for a card preview or a what-if).</summary>
    public CustomerTraits Peek(DateTimeOffset asOf, PopulationStatistics population, EngagementRules rules) =>
        Compute(asOf, population, rules).Traits;

    /// <summary>
    /// When silence alone will next move the churn risk into a higher band (for the silence scheduler): the start
    /// of that calendar day, or null if it never will (no purchase, already in the highest band, or beyond ten years).
    /// </summary>
    public DateTimeOffset? NextRiskCrossing(DateTimeOffset asOf, PopulationStatistics population, EngagementRules rules) =>
        Peek(asOf, population, rules).NextRiskCrossing;

    private (CustomerTraits Traits, string StageCause) Compute(DateTimeOffset asOf, PopulationStatistics population, EngagementRules rules)
    {
        var calendar = rules.GetCalendar();
        var p = Purchases;
        var recency = p.RecencyDays(calendar);
        var age = Math.Max(recency, p.AgeDays(asOf, calendar));
        double? silence = p.HasPurchases ? age - recency : null;

        var (rfm, clv, tier, band) = ValueTraits.Of(
            new PurchaseFigures(p.HasPurchases, p.Frequency, p.PurchaseDays, recency, age, (double)p.TotalSpend, (double)p.MeanRepeatSpend), population, rules);
        var alive = ChurnModel.ProbabilityAlive(p.HasPurchases, p.Frequency, recency, age, population, rules);
        var engagement = Engagement.ValueAt(asOf, rules.Engagement.HalfLifeDays);
        var satisfaction = Service.Snapshot(asOf, rules.Satisfaction.ComplaintOverdueDays);
        var unresolved = Service.RepeatedUnresolvedContacts(asOf, rules.Churn.UnresolvedContactWindowDays);
        var cancellation = IsCancelled ? CancellationReason ?? "no reason given" : null;
        var risk = ChurnModel.Assess(alive, satisfaction, unresolved, cancellation, rules);

        string? badSignal = null;
        foreach (var reason in risk.Reasons)
        {
            if (reason.Kind != ChurnReasonKind.Silence) { badSignal = reason.Detail; break; }
        }
        var (stage, stageCause) = Lifecycle.Next(Stage, new StageFacts(
            p.PurchaseDays, PurchasedSinceStageEntry(), risk, engagement, badSignal, cancellation), rules.Stages);
        var action = NextBestActions.Choose(stage, tier, risk, satisfaction, engagement, rules.Actions);

        var traits = new CustomerTraits
        {
            AsOf = asOf,
            Frequency = p.Frequency,
            PurchaseDays = p.PurchaseDays,
            RecencyDays = recency,
            AgeDays = age,
            DaysSinceLastPurchase = silence,
            TotalSpend = p.TotalSpend,
            MeanSpend = p.MeanSpendPerDay,
            Rfm = rfm,
            RfmGroup = rfm?.Group,
            Tier = tier,
            ClvBand = band,
            ProbabilityAlive = alive.Probability,
            ExpectedPurchases = clv?.ExpectedPurchases ?? 0,
            ExpectedSpend = clv?.ExpectedSpendPerPurchase ?? 0,
            PredictedValue = clv?.PredictedValue ?? 0,
            Clv = clv?.Total ?? (double)p.TotalSpend,
            Engagement = engagement,
            Satisfaction = satisfaction,
            ChurnRisk = risk,
            Stage = stage,
            NextBestAction = action,
            NextRiskCrossing = NextCrossing(risk, asOf, population, rules),
        };
        var segments = rules.GetSegments();
        if (segments.Count == 0) return (traits, stageCause);
        var profile = ProfileValues();
        var computed = traits;
        Func<string, TraitValue?> lookup = name => computed.Lookup(name, profile);
        List<string>? members = null;
        foreach (var segment in segments)
        {
            if (segment.Rule.Evaluate(lookup)) (members ??= new List<string>(segments.Count)).Add(segment.Name);
        }
        return (members is null ? traits : traits with { Segments = members }, stageCause);
    }

    private bool PurchasedSinceStageEntry() =>
        Purchases.LastPurchaseAt is { } last && (StageEntryLastPurchaseAt is not { } entry || last > entry);

    private DateTimeOffset? NextCrossing(ChurnRisk risk, DateTimeOffset asOf, PopulationStatistics population, EngagementRules rules)
    {
        var threshold = risk.Value < rules.Stages.AtRiskThreshold ? rules.Stages.AtRiskThreshold : rules.Stages.LapsedThreshold;
        return ChurnModel.NextCrossing(Purchases, risk, threshold, asOf, population, rules);
    }

    private DecisionLogEntry[] Record(DateTimeOffset at, CustomerTraits traits, string stageCause, int capacity)
    {
        // Nearly every evaluation changes nothing: no list, no label, no log insert then.
        List<DecisionLogEntry>? changes = null;
        var risk = traits.ChurnRisk;
        if (traits.Stage != Stage)
        {
            (changes ??= []).Add(new DecisionLogEntry(at, DecisionKind.Stage, Stage.ToString(), traits.Stage.ToString(), stageCause));
            Stage = traits.Stage;
            StageSince = at;
            StageEntryLastPurchaseAt = Purchases.LastPurchaseAt;
        }

        // The tier label (tier, or tier/band) differs exactly when the tier or the band does.
        if (traits.Tier != Tier || traits.ClvBand != ClvBand)
        {
            var oldTier = ClvBand is { } oldBand ? $"{Tier}/{oldBand}" : Tier.ToString();
            (changes ??= []).Add(new DecisionLogEntry(at, DecisionKind.Tier, oldTier, traits.TierLabel,
                $"Net spend {traits.TotalSpend:#,0.00}, expected lifetime value {traits.Clv:#,0.00}"));
            Tier = traits.Tier;
            ClvBand = traits.ClvBand;
        }

        if (risk.Band != RiskBand)
        {
            (changes ??= []).Add(new DecisionLogEntry(at, DecisionKind.Risk, RiskBand.ToString(), risk.Band.ToString(), risk.Summary));
            RiskBand = risk.Band;
        }

        if (changes is null) return [];
        // One evaluation's entries share a time; the stage change, the most consequential, goes on top.
        DecisionLog.InsertRange(0, changes);
        if (DecisionLog.Count > capacity) DecisionLog.RemoveRange(capacity, DecisionLog.Count - capacity);
        return [.. changes];
    }

    private void Touch(DateTimeOffset at, double points, EngagementRules rules, string cause)
    {
        Engagement.Add(at, points, rules.Engagement.HalfLifeDays, cause);
        Touch(at);
    }

    private void Touch(DateTimeOffset at)
    {
        if (FirstSeenAt is null || at < FirstSeenAt) FirstSeenAt = at;
        if (LastInteractionAt is null || at > LastInteractionAt) LastInteractionAt = at;
    }
}
