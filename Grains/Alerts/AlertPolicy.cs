using Engagement.Contracts.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Model;

namespace Engagement.Grains.Alerts;

/// <summary>
/// When a customer's change is worth a supervisor's attention, and how much: churn warnings, tier
/// changes, complaint escalations and satisfaction drops, with severity following the customer's value.
/// </summary>
public static class AlertPolicy
{
    /// <summary>What the customer looked like before the change, for the comparisons that need it.</summary>
    public sealed record Before(double? CsatMean, IReadOnlySet<string> EscalatedTickets);

    public static IEnumerable<AlertCause> Causes(
        Before before,
        CustomerTraits after,
        IReadOnlyList<DecisionLogEntry> changes,
        IReadOnlyCollection<EventFacts> events,
        CustomerModel model,
        AlertOptions options,
        DateTimeOffset now)
    {
        // Most evaluations raise nothing: the team and the context snapshot are built for the first cause only.
        string? team = null;
        AlertContext? context = null;
        AlertCause Cause(AlertKind kind, AlertSeverity severity, string title, IReadOnlyList<string> reasons) =>
            new(kind, severity, title, reasons, team ??= TeamOf(model, options), context ??= ContextOf(after, model), now);
        var tier = after.Tier;

        if (changes.FirstOrDefault(c => c.Kind == DecisionKind.Stage && c.To is nameof(LifecycleStage.AtRisk) or nameof(LifecycleStage.Lapsed)) is { } stage)
        {
            yield return Cause(AlertKind.ChurnWarning, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info),
                $"Churn warning: {stage.From} → {stage.To}", [stage.Cause, .. after.ChurnRisk.Reasons.Select(r => r.Detail)]);
        }

        if (changes.FirstOrDefault(c => c.Kind == DecisionKind.Tier) is { } tierChange)
        {
            var involvesA = tierChange.From.StartsWith('A') || tierChange.To.StartsWith('A');
            yield return Cause(AlertKind.TierChange, involvesA ? AlertSeverity.Warning : AlertSeverity.Info,
                $"Tier change: {tierChange.From} → {tierChange.To}", [tierChange.Cause]);
        }

        var escalation = new List<string>();
        if (tier is ValueTier.A or ValueTier.B)
        {
            escalation.AddRange(events.Where(e => e.HighSeverityComplaintTicket is not null)
                .Select(e => $"high-severity complaint {e.HighSeverityComplaintTicket} from a tier {tier} customer"));
        }
        escalation.AddRange(after.Satisfaction.OpenComplaints
            .Where(c => c.Overdue && !before.EscalatedTickets.Contains(c.Ticket))
            .Select(c => $"complaint {c.Ticket} ({c.Severity.ToString().ToLowerInvariant()}) open for {c.AgeDays:0} days"));
        if (escalation.Count > 0)
        {
            yield return Cause(AlertKind.ComplaintEscalation, ByTier(tier, AlertSeverity.Critical, AlertSeverity.Warning, AlertSeverity.Info),
                "Complaint escalation", escalation);
        }

        var drop = new List<string>();
        drop.AddRange(events.Where(e => e.Nps is <= 6).Select(e => $"detractor answer: NPS {e.Nps}"));
        if (after.Satisfaction.CsatMean is { } csat && before.CsatMean is { } previous
            && ((previous >= options.CsatFloor && csat < options.CsatFloor) || previous - csat >= options.CsatFall))
        {
            drop.Add($"CSAT fell from {previous:0.0} to {csat:0.0}");
        }
        if (drop.Count > 0)
        {
            yield return Cause(AlertKind.SatisfactionDrop, ByTier(tier, AlertSeverity.Warning, AlertSeverity.Info, AlertSeverity.Info),
                "Satisfaction drop", drop);
        }
    }

    /// <summary>The customer's team: the configured attribute's value, mapped through <see cref="AlertOptions.Teams"/>.</summary>
    public static string TeamOf(CustomerModel model, AlertOptions options) =>
        model.Profile.TryGetValue(options.TeamAttribute, out var attribute) && attribute.Value.Length > 0
            ? options.Teams.GetValueOrDefault(attribute.Value, attribute.Value)
            : options.DefaultTeam;

    public static AlertContext ContextOf(CustomerTraits traits, CustomerModel model) => new()
    {
        Stage = traits.Stage.ToString(),
        Tier = traits.TierLabel,
        ChurnRisk = traits.ChurnRisk.Value,
        ProbabilityAlive = traits.ProbabilityAlive,
        Clv = traits.Clv,
        TotalSpend = traits.TotalSpend,
        LastPurchaseAt = model.Purchases.LastPurchaseAt,
        NextBestAction = $"{traits.NextBestAction.Action}: {traits.NextBestAction.Reason}",
        Profile = model.ProfileValues(),
    };

    private static AlertSeverity ByTier(ValueTier tier, AlertSeverity a, AlertSeverity b, AlertSeverity c) =>
        tier switch { ValueTier.A => a, ValueTier.B => b, _ => c };
}

/// <summary>What an alert needs to know of the events just applied.</summary>
public sealed record EventFacts(string? HighSeverityComplaintTicket, int? Nps);
