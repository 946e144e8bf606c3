using Engagement.Grains.Alerts;
using Engagement.Model;

namespace Engagement.Grains.Customers;

/// <summary>
/// The customer's side of complaint escalation: which open complaints were already escalated for being open
/// too long (<see cref="CustomerState.EscalatedTickets"/>, so that each is escalated once), what the alert
/// policy compares a change against, and when the customer must next be looked at without an event.
/// </summary>
public static class EscalationBook
{
    /// <summary>
    /// The customer before a change, as the alert policy compares it. The escalated tickets are taken as they
    /// are, not copied: they change only in <see cref="Remember"/>, after the causes are taken.
    /// </summary>
    public static AlertPolicy.Before Before(CustomerState state, DateTimeOffset now, EngagementRules rules) => new(
        state.Model.Service.Snapshot(now, rules.Satisfaction.ComplaintOverdueDays).CsatMean,
        state.EscalatedTickets);

    /// <summary>
    /// After the causes of a change are taken: a ticket no longer open is forgotten, and an overdue one is
    /// remembered, since its escalation has just been raised (or was before).
    /// </summary>
    public static void Remember(CustomerState state, IReadOnlyList<OpenComplaint> open)
    {
        state.EscalatedTickets.IntersectWith(open.Select(c => c.Ticket));
        state.EscalatedTickets.UnionWith(open.Where(c => c.Overdue).Select(c => c.Ticket));
    }

    /// <summary>
    /// When the customer must next be looked at without an event: when silence alone moves the churn risk into
    /// the next band, an open complaint becomes overdue, or an open churn warning expires (<paramref name="expiresAt"/>),
    /// whichever is first; null when none will happen.
    /// </summary>
    public static DateTimeOffset? NextLookAt(CustomerTraits traits, EngagementRules rules, DateTimeOffset? expiresAt = null)
    {
        var due = traits.NextRiskCrossing;
        if (expiresAt is { } expiry && (due is null || expiry < due)) due = expiry;
        foreach (var complaint in traits.Satisfaction.OpenComplaints.Where(c => !c.Overdue))
        {
            var overdueAt = complaint.OpenedAt.AddDays(rules.Satisfaction.ComplaintOverdueDays);
            if (due is null || overdueAt < due) due = overdueAt;
        }
        return due;
    }
}
