using Engagement.Contracts.Alerts;
using Engagement.Grains.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Model;

namespace Engagement.Grains.Customers;

/// <summary>Why a customer is evaluated, as far as its alerts are concerned.</summary>
public enum AlertOccasion
{
    /// <summary>Live events were applied.</summary>
    Events,

    /// <summary>Only backfill events were applied: their alerts are held back until the backfill ends.</summary>
    Backfill,

    /// <summary>A due silence check, a periodic check or a card read: no event.</summary>
    Check,

    /// <summary>The closing check of a backfill: raises what is true at its end.</summary>
    BackfillEnded,
}

/// <summary>
/// The customer's side of its alerts: which kinds it has open (<see cref="CustomerState.OpenAlerts"/>, one bit per
/// <see cref="AlertKind"/>), and what an evaluation does about them: which causes to raise and which open alerts to
/// close because their cause is gone. A plain class: the grain makes the calls <see cref="Plan"/> lists.
/// </summary>
public static class AlertBook
{
    private static readonly AlertKind[] Kinds = Enum.GetValues<AlertKind>();

    /// <summary>One step of a plan: raise <see cref="Cause"/>, or else close the kind's open alert for <see cref="Reason"/>, or else (when unknown) ask.</summary>
    public sealed record AlertStep(AlertKind Kind, AlertCause? Cause, string? Reason);

    public static bool Has(int open, AlertKind kind) => (open & Bit(kind)) != 0;

    public static int With(int open, AlertKind kind, bool isOpen) => isOpen ? open | Bit(kind) : open & ~Bit(kind);

    /// <summary>
    /// What an evaluation does about alerts, or null when it does nothing (held back during a backfill). Also moves
    /// <see cref="CustomerState.AlertsPending"/> along: set by a backfill, cleared by the evaluation that raises for it.
    /// </summary>
    public static IReadOnlyList<AlertStep>? Plan(
        CustomerState state, AlertOccasion occasion, AlertPolicy.Before before, CustomerEvaluation evaluation,
        IReadOnlyCollection<EventFacts> facts, AlertOptions options, DateTimeOffset now)
    {
        if (occasion == AlertOccasion.Backfill) state.AlertsPending = true;
        // While a backfill is pending, only its end (or a live event) speaks: a check in between would alarm about its past.
        if (occasion == AlertOccasion.Backfill || (state.AlertsPending && occasion == AlertOccasion.Check)) return null;

        var standing = state.AlertsPending;
        state.AlertsPending = false;
        var traits = evaluation.Traits;
        var causes = standing
            ? AlertPolicy.Standing(traits, state.Model, options, now).ToList()
            : AlertPolicy.Causes(before, traits, evaluation.Changes, facts, state.Model, options, now).ToList();
        var steps = new List<AlertStep>();
        foreach (var kind in Kinds)
        {
            if (causes.Find(c => c.Kind == kind) is { } cause)
            {
                steps.Add(new AlertStep(kind, cause, null));
                continue;
            }
            // Nothing open of this kind: nothing to close, and no call.
            if (state.OpenAlerts is { } open && !Has(open, kind)) continue;
            var reason = AlertPolicy.Cleared(kind, traits, facts, state.Model, options, standing);
            if (reason is not null || state.OpenAlerts is null) steps.Add(new AlertStep(kind, null, reason));
        }
        return steps;
    }

    /// <summary>
    /// When the open churn warning of a Lapsed customer expires (a day past the horizon, in whole days since the last
    /// purchase), so that the silence schedule looks at the customer then; null when no such warning may be open.
    /// </summary>
    public static DateTimeOffset? ExpiresAt(CustomerState state, CustomerTraits traits, AlertOptions options)
    {
        var mayBeOpen = state.OpenAlerts is not { } open || Has(open, AlertKind.ChurnWarning);
        return mayBeOpen && traits.Stage == LifecycleStage.Lapsed && state.Model.Purchases.LastPurchaseAt is { } last
            ? last + options.LapsedExpiry + TimeSpan.FromDays(1)
            : null;
    }

    private static int Bit(AlertKind kind) => 1 << (int)kind;
}
