namespace Engagement.Model;

public enum ActionKind { FixComplaint, WinBack, RetentionCareCall, RetentionOffer, Welcome, Vip, Promotion, WakeUp, NoSpend }

/// <summary>One concrete action for the agent, and why.</summary>
public sealed record NextBestAction(ActionKind Kind, string Action, string Reason);

/// <summary>
/// The domain's strategies, first match wins: a churned customer gets a win-back offer; an open high-severity
/// complaint, or any open complaint of an at-risk or lapsed customer, is fixed first; lapsed customers get a
/// win-back offer; at-risk customers retention (a care call for tier A, an offer otherwise); prospects a welcome
/// offer; then by tier: A VIP service, B promotions, C a wake-up coupon when engagement is low, otherwise no spend.
/// </summary>
public static class NextBestActions
{
    public static NextBestAction Choose(
        LifecycleStage stage,
        ValueTier tier,
        ChurnRisk risk,
        SatisfactionSnapshot satisfaction,
        double engagement,
        ActionRules rules)
    {
        NextBestAction Act(ActionKind kind, string reason) => new(kind, TextOf(kind, rules), reason);

        var complaint = satisfaction.OpenComplaints.Count > 0 ? satisfaction.OpenComplaints[0] : null;
        if (stage == LifecycleStage.Churned) return Act(ActionKind.WinBack, PlainWords.Capitalized(risk.Summary));
        if (complaint is not null && (complaint.Severity == ComplaintSeverity.High || stage is LifecycleStage.AtRisk or LifecycleStage.Lapsed))
        {
            return Act(ActionKind.FixComplaint, $"{PlainWords.Capitalized(complaint.Severity.ToString().ToLowerInvariant())}-severity complaint {complaint.Ticket} {PlainWords.OpenFor(complaint.AgeDays)}{(complaint.Overdue ? ", overdue" : "")}");
        }

        if (stage == LifecycleStage.Lapsed) return Act(ActionKind.WinBack, PlainWords.Capitalized(risk.Summary));
        if (stage == LifecycleStage.AtRisk)
        {
            return tier == ValueTier.A
                ? Act(ActionKind.RetentionCareCall, $"Tier A customer at risk; {risk.Summary}")
                : Act(ActionKind.RetentionOffer, $"Tier {tier} customer at risk; {risk.Summary}");
        }

        if (stage == LifecycleStage.Prospect) return Act(ActionKind.Welcome, "Interested, but no purchase yet");
        return tier switch
        {
            ValueTier.A => Act(ActionKind.Vip, $"Tier A customer, {PlainWords.Stage(stage)}"),
            ValueTier.B => Act(ActionKind.Promotion, $"Tier B customer, {PlainWords.Stage(stage)}"),
            _ when engagement < rules.WakeUpBelowEngagement => Act(ActionKind.WakeUp, $"Tier C customer, engagement {engagement:0} of 100 (below {rules.WakeUpBelowEngagement:0})"),
            _ => Act(ActionKind.NoSpend, $"Tier C customer, engagement {engagement:0} of 100"),
        };
    }

    private static string TextOf(ActionKind kind, ActionRules rules) => kind switch
    {
        ActionKind.FixComplaint => rules.FixComplaint,
        ActionKind.WinBack => rules.WinBack,
        ActionKind.RetentionCareCall => rules.RetentionCareCall,
        ActionKind.RetentionOffer => rules.RetentionOffer,
        ActionKind.Welcome => rules.Welcome,
        ActionKind.Vip => rules.Vip,
        ActionKind.Promotion => rules.Promotion,
        ActionKind.WakeUp => rules.WakeUp,
        _ => rules.NoSpend,
    };
}
