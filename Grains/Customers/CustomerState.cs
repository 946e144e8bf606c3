using System.Globalization;
using Engagement.Contracts.Customers;
using Engagement.Model;

namespace Engagement.Grains.Customers;

/// <summary>
/// The customer's checkpoint: everything the card shows, as of journal sequence <see cref="Version"/>.
/// Rebuilt on activation from this checkpoint plus the journal entries after it.
/// </summary>
public sealed class CustomerState
{
    public const int RecentEventLimit = 20;

    /// <summary>The sequence number of the last journal entry applied; rises with every applied change.</summary>
    public long Version { get; set; }

    public long EventCount { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public PurchaseSummary Purchases { get; set; } = new();

    public Dictionary<string, string> Profile { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest events by event time, newest first, at most <see cref="RecentEventLimit"/>.</summary>
    public List<RecentEvent> RecentEvents { get; set; } = [];

    public bool Exists => Version > 0;

    public void Apply(long seq, CustomerEvent @event, DateTimeOffset recordedAt, PurchaseCalendar calendar)
    {
        switch (@event.Payload)
        {
            case PurchasePayload purchase:
                Purchases.AddPurchase(@event.OccurredAt, purchase.Amount, calendar);
                break;
            case RefundPayload refund:
                Purchases.AddRefund(refund.Amount);
                break;
            case ProfileUpdatePayload profile:
                foreach (var (key, value) in profile.Attributes) Profile[key] = value;
                break;
        }
        EventCount++;
        Version = seq;
        UpdatedAt = recordedAt;
        AddRecent(new RecentEvent(@event.EventId, @event.Payload.Type, @event.Channel, @event.OccurredAt, Describe(@event.Payload)));
    }

    public CustomerCard ToCard(string customerId) => new()
    {
        CustomerId = customerId,
        Version = Version,
        EventCount = EventCount,
        PurchaseDays = Purchases.PurchaseDays,
        PurchaseCount = Purchases.PurchaseCount,
        TotalSpend = Purchases.TotalSpend,
        Refunded = Purchases.Refunded,
        FirstPurchaseAt = Purchases.FirstPurchaseAt,
        LastPurchaseAt = Purchases.LastPurchaseAt,
        UpdatedAt = UpdatedAt ?? default,
        RecentEvents = [.. RecentEvents],
        Profile = new Dictionary<string, string>(Profile, StringComparer.Ordinal),
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
        _ => payload.Type,
    };

    private static string Order(string orderId) => orderId.Length > 0 ? $" (order {orderId})" : "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
