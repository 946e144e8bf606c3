using Engagement.Contracts.Customers;
using Google.Protobuf.WellKnownTypes;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Customers;

/// <summary>The grain's card on the wire.</summary>
public static class CardMapper
{
    public static Proto.CustomerCard ToProto(this CustomerCard card)
    {
        var wire = new Proto.CustomerCard
        {
            CustomerId = card.CustomerId,
            Version = card.Version,
            EventCount = card.EventCount,
            PurchaseDays = card.PurchaseDays,
            PurchaseCount = card.PurchaseCount,
            TotalSpend = (double)card.TotalSpend,
            Refunded = (double)card.Refunded,
            FirstPurchaseAt = Time(card.FirstPurchaseAt),
            LastPurchaseAt = Time(card.LastPurchaseAt),
            UpdatedAt = Time(card.UpdatedAt),
        };
        foreach (var (name, value) in card.Profile) wire.Profile[name] = value;
        wire.RecentEvents.AddRange(card.RecentEvents.Select(e => new Proto.RecentEvent
        {
            EventId = e.EventId,
            Type = e.Type,
            Channel = e.Channel,
            OccurredAt = Timestamp.FromDateTimeOffset(e.OccurredAt),
            Summary = e.Summary,
        }));
        return wire;
    }

    private static Timestamp? Time(DateTimeOffset? instant) => instant is { } at ? Timestamp.FromDateTimeOffset(at) : null;
}
