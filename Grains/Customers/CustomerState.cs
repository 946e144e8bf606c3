using System.Globalization;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Storage;
using Engagement.Model;
using ModelComplaintSeverity = Engagement.Model.ComplaintSeverity;
using ModelContactOutcome = Engagement.Model.ContactOutcome;
using WireComplaintSeverity = Engagement.Contracts.V1.ComplaintSeverity;
using WireContactOutcome = Engagement.Contracts.V1.ContactOutcome;

namespace Engagement.Grains.Customers;

/// <summary>
/// The customer's checkpoint: the customer model plus what the card shows of the raw history, as of
/// journal sequence <see cref="LastSeq"/>. Rebuilt on activation from this checkpoint plus the journal
/// entries after it.
/// </summary>
public sealed class CustomerState : IVersionedGrainState
{
    public const int RecentEventLimit = 20;

    /// <summary>The sequence number of the last journal entry applied.</summary>
    public long LastSeq { get; set; }

    /// <summary>The card's version: rises with every applied event and every change the passing of time causes.</summary>
    public long Version { get; set; }

    public long EventCount { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public CustomerModel Model { get; set; } = new();

    /// <summary>The latest events by event time, newest first, at most <see cref="RecentEventLimit"/>.</summary>
    public List<RecentEvent> RecentEvents { get; set; } = [];

    /// <summary>Open complaints already escalated for being open too long (so they are escalated once).</summary>
    public HashSet<string> EscalatedTickets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The contact keys (see <see cref="ContactKeys"/>) the contact index holds for this customer.</summary>
    public HashSet<string> IndexedContacts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The kinds of alert this customer has open (see <see cref="AlertBook"/>), so that an evaluation with nothing open
    /// calls no alert grain. Null when unknown: in a checkpoint from before it was kept, or behind the journal.
    /// </summary>
    public int? OpenAlerts { get; set; }

    /// <summary>
    /// Backfill events were applied and their alerts held back: the closing check (or the next live event) raises
    /// what is true then instead of what changed.
    /// </summary>
    public bool AlertsPending { get; set; }

    /// <summary>
    /// Alerts this customer raised that the alert store did not take (one cause per kind, the latest): an outbox kept
    /// in the checkpoint, which the grain delivers again until the store takes them. Null when none.
    /// </summary>
    public List<Contracts.Alerts.AlertCause>? UnsavedAlerts { get; set; }

    /// <summary>The customer this one was merged into (issue 17): a tombstone that sends what it is given there. Null for a customer of its own.</summary>
    public string? MergedInto { get; set; }

    /// <summary>
    /// Whether <see cref="IndexedContacts"/> are in the identity index (the store's): false in a checkpoint written while
    /// contacts were indexed by grains, so the first activation since claims them all again.
    /// </summary>
    public bool IdentityIndexed { get; set; }

    /// <summary>
    /// A merge or unmerge is moving this customer's journal: the next activation rebuilds the customer from the whole
    /// journal instead of catching up from <see cref="LastSeq"/> (whose numbers the move changes).
    /// </summary>
    public bool RebuildPending { get; set; }

    public bool Exists => EventCount > 0;

    /// <param name="limits">What one customer may hold (<c>Engagement:Limits</c>); the defaults when null.</param>
    public void Apply(long seq, CustomerEvent @event, DateTimeOffset recordedAt, EngagementRules rules, CustomerLimits? limits = null)
    {
        var at = @event.OccurredAt;
        var model = Model;
        switch (@event.Payload)
        {
            case PurchasePayload p: model.Purchase(at, p.Amount, rules); break;
            case RefundPayload r: model.Refund(at, r.Amount); break;
            case VisitPayload: model.Visit(at, rules); break;
            case CallPayload c: model.Contact(at, ContactChannel.Call, c.Duration, ToModel(c.Outcome), rules); break;
            case ChatPayload c: model.Contact(at, ContactChannel.Chat, c.Duration, ToModel(c.Outcome), rules); break;
            case EmailOpenPayload: model.EmailOpen(at, rules); break;
            case EmailClickPayload: model.EmailClick(at, rules); break;
            case ComplaintOpenedPayload c: model.ComplaintOpened(c.TicketId, ToModel(c.Severity), at, rules, limits); break;
            case ComplaintResolvedPayload c: model.ComplaintResolved(c.TicketId, at); break;
            case SurveyPayload { Csat: { } csat }: model.Survey(SurveyKind.Csat, csat, at, rules); break;
            case SurveyPayload { Nps: { } nps }: model.Survey(SurveyKind.Nps, nps, at, rules); break;
            case ProfileUpdatePayload p: model.ProfileUpdate(p.Attributes, at, limits); break;
            case CancellationPayload c: model.Cancellation(c.Reason, at); break;
            case ContactOutcomePayload o: model.RecordContactOutcome(o.AgentId, OutcomeText(o), o.Note, at, rules.DecisionLogCapacity); break;
            case IdentityPayload i: model.RecordDecision(Identity.IdentityDecisions.Of(i, at), rules.DecisionLogCapacity); break;
            default: throw new InvalidOperationException($"No model operation for {@event.Payload.GetType().Name}.");
        }
        EventCount++;
        LastSeq = seq;
        Version++;
        UpdatedAt = recordedAt;
        AddRecent(new RecentEvent(@event.EventId, @event.Payload.Type, @event.Channel, at, Describe(@event.Payload)));
    }

    public CustomerCard ToCard(string customerId, CustomerTraits traits, long populationVersion, EngagementRules rules, string currency)
    {
        var purchases = Model.Purchases;
        return new CustomerCard
        {
            CustomerId = customerId,
            Version = Version,
            EventCount = EventCount,
            PurchaseDays = purchases.PurchaseDays,
            PurchaseCount = purchases.PurchaseCount,
            TotalSpend = purchases.TotalSpend,
            Refunded = purchases.Refunded,
            FirstPurchaseAt = purchases.FirstPurchaseAt,
            LastPurchaseAt = purchases.LastPurchaseAt,
            UpdatedAt = UpdatedAt ?? default,
            RecentEvents = [.. RecentEvents],
            Profile = Model.ProfileValues(),
            Stage = traits.Stage.ToString(),
            StageSince = Model.StageSince,
            Tier = traits.TierLabel,
            TierSince = Model.DecisionLog.FirstOrDefault(d => d.Kind == DecisionKind.Tier)?.At ?? Model.FirstSeenAt,
            RfmCell = traits.Rfm?.Cell ?? "",
            RfmGroup = traits.RfmGroup is { } group ? Rfm.DisplayName(group) : "",
            Segments = traits.Segments,
            Engagement = traits.Engagement,
            Satisfaction = new SatisfactionView
            {
                CsatMean = traits.Satisfaction.CsatMean,
                CsatAnswers = traits.Satisfaction.CsatAnswers,
                LastNps = traits.Satisfaction.LastNps,
                NpsCategory = traits.Satisfaction.NpsCategory?.ToString() ?? "",
                OpenComplaints = [.. traits.Satisfaction.OpenComplaints.Select(c =>
                    new ComplaintView(c.Ticket, c.Severity.ToString(), c.OpenedAt, c.AgeDays, c.Overdue))],
            },
            ProbabilityAlive = traits.ProbabilityAlive,
            Clv = traits.Clv,
            ExpectedPurchases = traits.ExpectedPurchases,
            ExpectedSpend = traits.ExpectedSpend,
            ChurnRisk = traits.ChurnRisk.Value,
            RiskBand = traits.ChurnRisk.Band.ToString(),
            ChurnReasons = [.. traits.ChurnRisk.Reasons.Select(r => new ChurnReasonView(r.Kind.ToString(), r.Weight, r.Contribution, r.Detail))],
            NextBestAction = new ActionView(traits.NextBestAction.Kind.ToString(), traits.NextBestAction.Action, traits.NextBestAction.Reason),
            DecisionLog = [.. Model.DecisionLog.Select(d => new DecisionView(d.At, d.Kind.ToString(), d.From, d.To, d.Cause))],
            PopulationVersion = populationVersion,
            EvaluatedAt = traits.AsOf,
            RiskRisesAt = traits.NextRiskCrossing,
            EngagementContributions = [.. Model.Engagement.Recent.Select(c => new EngagementContributionView(c.At, c.Cause, c.Points, c.ScoreAfter))],
            Currency = currency,
            HorizonDays = (int)Math.Round(rules.Clv.HorizonDays),
        };
    }

    /// <summary>
    /// The one mapping of the wire's contact outcome into the model's. The ingest edge refuses UNSPECIFIED and
    /// unknown numbers, so anything else here is a broken invariant.
    /// </summary>
    internal static ModelContactOutcome ToModel(WireContactOutcome outcome) => outcome switch
    {
        WireContactOutcome.Resolved => ModelContactOutcome.Resolved,
        WireContactOutcome.Unresolved => ModelContactOutcome.Unresolved,
        WireContactOutcome.Transferred => ModelContactOutcome.Transferred,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Not a contact outcome of the model."),
    };

    /// <summary>The one mapping of the wire's complaint severity into the model's (see <see cref="ToModel(WireContactOutcome)"/>).</summary>
    internal static ModelComplaintSeverity ToModel(WireComplaintSeverity severity) => severity switch
    {
        WireComplaintSeverity.Low => ModelComplaintSeverity.Low,
        WireComplaintSeverity.Medium => ModelComplaintSeverity.Medium,
        WireComplaintSeverity.High => ModelComplaintSeverity.High,
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "Not a complaint severity of the model."),
    };

    private void AddRecent(RecentEvent recent)
    {
        // Kept by event time, so a late event lands where it happened, not on top.
        var at = RecentEvents.FindIndex(e => e.OccurredAt < recent.OccurredAt);
        if (at < 0) at = RecentEvents.Count;
        if (at >= RecentEventLimit) return;
        RecentEvents.Insert(at, recent);
        if (RecentEvents.Count > RecentEventLimit) RecentEvents.RemoveAt(RecentEvents.Count - 1);
    }

    internal static string Describe(EventPayload payload) => payload switch
    {
        PurchasePayload p => Invariant($"purchase {p.Amount:0.00} {p.Currency}{Order(p.OrderId)}"),
        RefundPayload r => Invariant($"refund {r.Amount:0.00} {r.Currency}{Order(r.OrderId)}"),
        VisitPayload v => $"visit {v.Page}{(v.Category.Length > 0 ? $" ({v.Category})" : "")}".TrimEnd(),
        CallPayload c => Invariant($"call {c.Duration.TotalMinutes:0.#} min, {c.Outcome.ToString().ToLowerInvariant()}"),
        ChatPayload c => Invariant($"chat {c.Duration.TotalMinutes:0.#} min, {c.Outcome.ToString().ToLowerInvariant()}"),
        EmailOpenPayload e => $"email opened: {e.Campaign}",
        EmailClickPayload e => $"email clicked: {e.Campaign}",
        ComplaintOpenedPayload c => $"complaint opened ({c.Severity.ToString().ToLowerInvariant()}), ticket {c.TicketId}",
        ComplaintResolvedPayload c => $"complaint resolved, ticket {c.TicketId}",
        SurveyPayload { Csat: { } csat } => Invariant($"survey: CSAT {csat}"),
        SurveyPayload { Nps: { } nps } => Invariant($"survey: NPS {nps}"),
        ProfileUpdatePayload p => $"profile updated: {string.Join(", ", p.Attributes.Keys.Order(StringComparer.Ordinal))}",
        CancellationPayload c => $"cancellation: {c.Reason}",
        ContactOutcomePayload o => $"contact outcome: {OutcomeText(o)} (agent {o.AgentId})",
        IdentityPayload i => Identity.IdentityDecisions.Describe(i),
        _ => payload.Type,
    };

    /// <summary>An outcome in words: "retained", "no answer", "callback at 2026-03-02 14:00 UTC".</summary>
    internal static string OutcomeText(ContactOutcomePayload outcome) => outcome.Outcome switch
    {
        AlertOutcome.NoAnswer => "no answer",
        AlertOutcome.Callback when outcome.CallbackAt is { } at => Invariant($"callback at {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC"),
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string Order(string orderId) => orderId.Length > 0 ? $" (order {orderId})" : "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
