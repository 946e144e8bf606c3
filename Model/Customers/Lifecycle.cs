namespace Engagement.Model;

/// <summary>The default lifecycle stages (domain: Prospect → New → Repeat → Loyal → AtRisk → Lapsed/Churned, and WonBack).</summary>
public enum LifecycleStage { Prospect, New, Repeat, Loyal, AtRisk, Lapsed, Churned, WonBack }

/// <summary>What the stage machine looks at.</summary>
public sealed record StageFacts(
    int PurchaseDays,
    bool PurchasedSinceStageEntry,
    ChurnRisk ChurnRisk,
    double Engagement,
    string? BadServiceSignal,
    string? ActiveCancellation);

/// <summary>
/// The lifecycle stage machine. In order of precedence:
/// <list type="number">
/// <item>an active cancellation (none of the customer's purchases is later) → Churned;</item>
/// <item>no purchase → Prospect;</item>
/// <item>Lapsed or Churned, and a purchase newer than the last one known on entering that stage → WonBack;</item>
/// <item>churn risk ≥ LapsedThreshold → Lapsed; ≥ AtRiskThreshold → AtRisk;</item>
/// <item>one purchase day → New;</item>
/// <item>at least LoyalMinPurchaseDays or engagement ≥ LoyalMinEngagement, and no bad service signal → Loyal;</item>
/// <item>otherwise → Repeat.</item>
/// </list>
/// WonBack holds for one evaluation; the next one applies the rules again, except that a won-back customer
/// returns to Repeat rather than straight to Loyal (the domain's "Won back before they return to Repeat"):
/// loyalty is earned again from the evaluation after that.
/// </summary>
public static class Lifecycle
{
    public static (LifecycleStage Stage, string Cause) Next(LifecycleStage previous, StageFacts facts, StageRules rules)
    {
        if (facts.ActiveCancellation is { } reason) return (LifecycleStage.Churned, $"Cancelled: {reason}");
        if (facts.PurchaseDays == 0) return (LifecycleStage.Prospect, "No purchase yet");
        if (previous is LifecycleStage.Lapsed or LifecycleStage.Churned && facts.PurchasedSinceStageEntry)
        {
            return (LifecycleStage.WonBack, $"Bought again after being {PlainWords.Stage(previous)}");
        }

        var risk = facts.ChurnRisk;
        if (risk.Value >= rules.LapsedThreshold) return (LifecycleStage.Lapsed, $"{PlainWords.Capitalized(risk.Summary)} (lapsed from {rules.LapsedThreshold * 100:0}%)");
        if (risk.Value >= rules.AtRiskThreshold) return (LifecycleStage.AtRisk, $"{PlainWords.Capitalized(risk.Summary)} (at risk from {rules.AtRiskThreshold * 100:0}%)");
        if (facts.PurchaseDays == 1) return (LifecycleStage.New, "First purchase");

        var frequent = facts.PurchaseDays >= rules.LoyalMinPurchaseDays;
        var engaged = facts.Engagement >= rules.LoyalMinEngagement;
        if (previous == LifecycleStage.WonBack) return (LifecycleStage.Repeat, "Buying again after a win-back");
        if ((frequent || engaged) && facts.BadServiceSignal is null)
        {
            return (LifecycleStage.Loyal, frequent
                ? $"Bought on {facts.PurchaseDays} different days (loyal from {rules.LoyalMinPurchaseDays})"
                : $"Engagement {facts.Engagement:0} of 100 (loyal from {rules.LoyalMinEngagement:0})");
        }

        return (LifecycleStage.Repeat, facts.BadServiceSignal is { } signal && (frequent || engaged)
            ? $"Bought on {facts.PurchaseDays} different days; not loyal while: {signal}"
            : $"Bought on {facts.PurchaseDays} different days");
    }
}
