using System.Globalization;
using Engagement.Contracts.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Model;

namespace Engagement.Grains.Alerts;

/// <summary>
/// When a customer's change is worth a supervisor's attention, and how much: churn warnings, tier changes (only
/// the configured moves), complaint escalations, satisfaction drops and retention after a cancellation, with
/// severity following the customer's value. Only Warning and Critical causes are work: an Info cause opens no alert
/// (the change is on the card and in the decision log all the same). And the other way round: when the cause of an
/// open alert is gone (<see cref="Cleared"/>), the engine resolves it with the reason in words.
/// </summary>
public static class AlertPolicy
{
    /// <summary>What the customer looked like before the change, for the comparisons that need it.</summary>
    public sealed record Before(double? CsatMean, IReadOnlySet<string> EscalatedTickets);

    /// <summary>The name the engine resolves alerts under when their cause is gone.</summary>
    public const string Engine = "engine";

    /// <summary>The alerts a change calls for: what the change itself (stage or tier move, the events just applied) makes worth a look.</summary>
    public static IEnumerable<AlertCause> Causes(
        Before before,
        CustomerTraits after,
        IReadOnlyList<DecisionLogEntry> changes,
        IReadOnlyCollection<EventFacts> events,
        CustomerModel model,
        AlertOptions options,
        DateTimeOffset now)
    {
        var causes = new CauseBuilder(after, model, options, now);
        var tier = after.Tier;

        if (changes.FirstOrDefault(c => c.Kind == DecisionKind.Stage && c.To is nameof(LifecycleStage.AtRisk) or nameof(LifecycleStage.Lapsed)) is { } stage
            && Expired(after, options) is null && WorthACall(after, options))
        {
            causes.Add(AlertKind.ChurnWarning, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info),
                $"Churn warning: {stage.From} → {stage.To}", ChurnReasons(after));
        }

        if (changes.FirstOrDefault(c => c.Kind == DecisionKind.Tier) is { } tierChange)
        {
            causes.Add(AlertKind.TierChange, TierSeverity(tierChange, options), $"Tier change: {tierChange.From} → {tierChange.To}", [tierChange.Cause]);
        }

        var escalation = new List<string>();
        if (tier is ValueTier.A or ValueTier.B)
        {
            escalation.AddRange(events.Where(e => e.HighSeverityComplaintTicket is not null)
                .Select(e => $"high-severity complaint {e.HighSeverityComplaintTicket} from a tier {tier} customer"));
        }
        escalation.AddRange(after.Satisfaction.OpenComplaints
            .Where(c => c.Overdue && !before.EscalatedTickets.Contains(c.Ticket))
            .Select(Overdue));
        causes.Add(AlertKind.ComplaintEscalation, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info), "Complaint escalation", escalation);

        var drop = new List<string>();
        drop.AddRange(events.Where(e => e.Nps is <= 6).Select(e => $"detractor answer: NPS {e.Nps}"));
        if (after.Satisfaction.CsatMean is { } csat && before.CsatMean is { } previous
            && ((previous >= options.CsatFloor && csat < options.CsatFloor) || previous - csat >= options.CsatFall))
        {
            drop.Add(Invariant($"CSAT fell from {previous:0.0} to {csat:0.0}"));
        }
        causes.Add(AlertKind.SatisfactionDrop, DropSeverity(tier), "Satisfaction drop", drop);

        if (events.Any(e => e.Cancelled) && model.IsCancelled)
        {
            causes.Add(AlertKind.Retention, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info),
                "Retention: the customer cancelled", [$"cancelled: {model.CancellationReason ?? "no reason given"}"]);
        }
        return causes.Causes;
    }

    /// <summary>
    /// The alerts that are true of the customer as it stands, whatever changed to make them so: what the first
    /// evaluation after a backfill raises, so that a replay of the past alarms only about what holds at its end.
    /// </summary>
    public static IEnumerable<AlertCause> Standing(CustomerTraits after, CustomerModel model, AlertOptions options, DateTimeOffset now)
    {
        var causes = new CauseBuilder(after, model, options, now);
        var tier = after.Tier;

        if (after.Stage is LifecycleStage.AtRisk or LifecycleStage.Lapsed && Expired(after, options) is null && WorthACall(after, options))
        {
            causes.Add(AlertKind.ChurnWarning, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info),
                $"Churn warning: {after.Stage}", ChurnReasons(after));
        }

        // No tier move stands after a backfill: a move is an event, and those of a replay are history (the decision log
        // and the moves chart show them), often only the ABC thresholds settling as the population grew during it.

        causes.Add(AlertKind.ComplaintEscalation, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info), "Complaint escalation",
            [.. after.Satisfaction.OpenComplaints.Where(c => Escalates(c, tier)).Select(c => c.Overdue ? Overdue(c) : $"high-severity complaint {c.Ticket} from a tier {tier} customer")]);

        var drop = new List<string>();
        if (after.Satisfaction.LastNps is { } nps and <= 6) drop.Add($"detractor answer: NPS {nps}");
        if (after.Satisfaction.CsatMean is { } csat && csat < options.CsatFloor) drop.Add(Invariant($"CSAT {csat:0.0} below {options.CsatFloor:0.0}"));
        causes.Add(AlertKind.SatisfactionDrop, DropSeverity(tier), "Satisfaction drop", drop);

        if (model.IsCancelled)
        {
            causes.Add(AlertKind.Retention, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info),
                "Retention: the customer cancelled", [$"cancelled: {model.CancellationReason ?? "no reason given"}"]);
        }
        return causes.Causes;
    }

    /// <summary>
    /// Why an open alert of <paramref name="kind"/> no longer stands, in words (the resolution note), or null while
    /// its cause holds. <paramref name="events"/> are the facts of the events just applied (a resolved ticket, a good
    /// score); <paramref name="standing"/> also judges satisfaction by what is on record, for an evaluation after a backfill.
    /// </summary>
    public static string? Cleared(AlertKind kind, CustomerTraits after, IReadOnlyCollection<EventFacts> events, CustomerModel model, AlertOptions options, bool standing = false)
    {
        switch (kind)
        {
            case AlertKind.ChurnWarning:
                if (after.Stage is not (LifecycleStage.AtRisk or LifecycleStage.Lapsed))
                {
                    return after.Stage switch
                    {
                        LifecycleStage.Churned => "condition cleared: the customer cancelled (a retention case now)",
                        LifecycleStage.WonBack => "condition cleared: won back by a purchase",
                        _ => $"condition cleared: stage {after.Stage} again",
                    };
                }
                return Expired(after, options);
            case AlertKind.TierChange:
                return TierMoveInForce(after, model, options) is null ? $"condition cleared: tier {after.TierLabel} now" : null;
            case AlertKind.ComplaintEscalation:
                if (after.Satisfaction.OpenComplaints.Any(c => Escalates(c, after.Tier))) return null;
                var resolved = events.Select(e => e.ResolvedTicket).OfType<string>().ToList();
                return resolved.Count > 0
                    ? $"condition cleared: complaint {string.Join(", ", resolved)} resolved"
                    : "condition cleared: no escalated complaint open";
            case AlertKind.SatisfactionDrop:
                if (events.LastOrDefault(e => e.Nps is not null || e.Csat is not null) is { } answer)
                {
                    if (answer.Nps is >= 9) return $"condition cleared: promoter answer (NPS {answer.Nps})";
                    if (answer.Csat is { } score && score >= options.CsatFloor && after.Satisfaction.CsatMean >= options.CsatFloor)
                    {
                        return Invariant($"condition cleared: CSAT back to {after.Satisfaction.CsatMean:0.0}");
                    }
                }
                return standing && after.Satisfaction.LastNps is not <= 6 && !(after.Satisfaction.CsatMean < options.CsatFloor)
                    ? "condition cleared: no detractor answer or low CSAT on record"
                    : null;
            case AlertKind.Retention:
                return model.IsCancelled ? null : "condition cleared: a purchase after the cancellation";
            default:
                return null;
        }
    }

    /// <summary>A Lapsed customer silent beyond the expiry horizon: its churn warning has become a win-back matter.</summary>
    /// <summary>Whether the money at risk (CLV × churn risk) reaches <see cref="AlertOptions.MinExpectedLoss"/>.</summary>
    public static bool WorthACall(CustomerTraits after, AlertOptions options) =>
        MoneyAtRisk.Of(after.Clv, after.ChurnRisk.Value) >= options.MinExpectedLoss;

    /// <summary>The churn risk and each of its reasons once (the stage's cause repeats them all, so it is not listed).</summary>
    private static List<string> ChurnReasons(CustomerTraits after) =>
        [Invariant($"Churn risk {after.ChurnRisk.Value * 100:0}%"), .. after.ChurnRisk.Reasons.Select(r => r.Detail)];

    public static string? Expired(CustomerTraits after, AlertOptions options) =>
        after.Stage == LifecycleStage.Lapsed && after.DaysSinceLastPurchase is { } days && days > options.LapsedExpiry.TotalDays
            ? Invariant($"expired: lapsed for {days:0} days, moved to the win-back list")
            : null;

    /// <summary>
    /// The customer's team: the configured attribute's value, mapped through <see cref="AlertOptions.Teams"/> (when a map is
    /// configured, a value it does not list is the default team).
    /// </summary>
    public static string TeamOf(CustomerModel model, AlertOptions options) =>
        model.Profile.TryGetValue(options.TeamAttribute, out var attribute) && attribute.Value.Length > 0
            ? options.Teams.Count == 0 ? attribute.Value : options.Teams.GetValueOrDefault(attribute.Value, options.DefaultTeam)
            : options.DefaultTeam;

    /// <summary>The reasons one alert lists at most: a batch of a thousand complaints makes one reason that counts the rest.</summary>
    public const int MaxReasons = 20;

    /// <summary>
    /// The customer as a supervisor needs it on the alert: stage, tier, value, risk, next action, and of the profile only
    /// <see cref="AlertOptions.ContextAttributesInForce"/> (who it is, its team); the card has the rest.
    /// </summary>
    public static AlertContext ContextOf(CustomerTraits traits, CustomerModel model, AlertOptions options) => new()
    {
        Stage = traits.Stage.ToString(),
        Tier = traits.TierLabel,
        ChurnRisk = traits.ChurnRisk.Value,
        ProbabilityAlive = traits.ProbabilityAlive,
        Clv = traits.Clv,
        TotalSpend = traits.TotalSpend,
        LastPurchaseAt = model.Purchases.LastPurchaseAt,
        NextBestAction = $"{traits.NextBestAction.Action}: {traits.NextBestAction.Reason}",
        Profile = ContextProfile(model, options),
    };

    private static Dictionary<string, string> ContextProfile(CustomerModel model, AlertOptions options)
    {
        var profile = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in options.ContextAttributesInForce)
        {
            if (model.Profile.TryGetValue(name, out var attribute) && attribute.Value.Length > 0) profile[name] = attribute.Value;
        }
        return profile;
    }

    /// <summary>
    /// How severe a tier move is as an alert (<see cref="AlertOptions.TierAlerts"/>: the "From" and "To" keys of the
    /// move's value tiers, the most severe match); Info, opening nothing, for a move no key names or a band change within a tier.
    /// </summary>
    public static AlertSeverity TierSeverity(DecisionLogEntry move, AlertOptions options)
    {
        var (from, to) = (TierOf(move.From), TierOf(move.To));
        if (from == to) return AlertSeverity.Info;
        var severity = AlertSeverity.Info;
        if (options.TierAlerts.TryGetValue($"From{from}", out var leaving) && leaving > severity) severity = leaving;
        if (options.TierAlerts.TryGetValue($"To{to}", out var entering) && entering > severity) severity = entering;
        return severity;
    }

    /// <summary>
    /// The latest configured tier move (from the decision log) that still holds: for a "From" key, the customer is
    /// still out of the tier it left; for a "To" key, still in the tier it entered.
    /// </summary>
    private static (DecisionLogEntry Entry, AlertSeverity Severity)? TierMoveInForce(CustomerTraits after, CustomerModel model, AlertOptions options)
    {
        foreach (var entry in model.DecisionLog)
        {
            if (entry.Kind != DecisionKind.Tier) continue;
            var severity = TierSeverity(entry, options);
            if (severity < AlertSeverity.Warning) continue;
            var (from, to, now) = (TierOf(entry.From), TierOf(entry.To), after.Tier.ToString());
            var left = options.TierAlerts.TryGetValue($"From{from}", out var l) && l >= AlertSeverity.Warning && now != from;
            var entered = options.TierAlerts.TryGetValue($"To{to}", out var e) && e >= AlertSeverity.Warning && now == to;
            return left || entered ? (entry, severity) : null;
        }
        return null;
    }

    /// <summary>The value tier of a tier label ("A/Gold" is A).</summary>
    private static string TierOf(string label) => label.Split('/')[0];

    private static bool Escalates(OpenComplaint complaint, ValueTier tier) =>
        complaint.Overdue || (complaint.Severity == ComplaintSeverity.High && tier is ValueTier.A or ValueTier.B);

    private static string Overdue(OpenComplaint c) => Invariant($"complaint {c.Ticket} ({c.Severity.ToString().ToLowerInvariant()}) open for {c.AgeDays:0} days");

    /// <summary>
    /// A detractor answer or a CSAT fall is the customer saying so: work for every tier (a closed-loop follow-up),
    /// critical for tier A.
    /// </summary>
    private static AlertSeverity DropSeverity(ValueTier tier) => ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Warning);

    private static AlertSeverity ByTier(ValueTier tier, AlertSeverity a, AlertSeverity b, AlertSeverity c) =>
        tier switch { ValueTier.A => a, ValueTier.B => b, _ => c };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The causes of one evaluation: the team and the context snapshot are built for the first one only, and Info causes are dropped.</summary>
    private sealed class CauseBuilder(CustomerTraits after, CustomerModel model, AlertOptions options, DateTimeOffset now)
    {
        private string? _team;
        private AlertContext? _context;

        public List<AlertCause> Causes { get; } = [];

        public void Add(AlertKind kind, AlertSeverity severity, string title, List<string> reasons)
        {
            if (severity < AlertSeverity.Warning || reasons.Count == 0) return;
            if (reasons.Count > MaxReasons) reasons = [.. reasons.Take(MaxReasons - 1), Invariant($"and {reasons.Count - MaxReasons + 1} more")];
            Causes.Add(new AlertCause(kind, severity, title, reasons, _team ??= TeamOf(model, options), _context ??= ContextOf(after, model, options), now));
        }
    }
}

/// <summary>What an alert needs to know of the events just applied.</summary>
public sealed record EventFacts(
    string? HighSeverityComplaintTicket = null,
    int? Nps = null,
    int? Csat = null,
    string? ResolvedTicket = null,
    bool Cancelled = false);
