using Engagement.Contracts.Customers;

namespace Engagement.Tests.Customers;

/// <summary>Builders of validated domain events (what a customer grain receives) for the unit tests of its parts.</summary>
internal static class CustomerEvents
{
    public static readonly DateTimeOffset Start = new(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);

    public static CustomerEvent Of(EventPayload payload, DateTimeOffset at, string? eventId = null, string channel = "web") =>
        new(eventId ?? $"e-{Guid.NewGuid():N}", channel, at, payload);

    public static CustomerEvent Purchase(decimal amount, DateTimeOffset at, string? eventId = null) =>
        Of(new PurchasePayload(amount, "USD", ""), at, eventId);

    public static CustomerEvent Visit(DateTimeOffset at, string? eventId = null) => Of(new VisitPayload("/home", ""), at, eventId);

    public static CustomerEvent Profile(DateTimeOffset at, params (string Name, string Value)[] attributes) =>
        Of(new ProfileUpdatePayload(attributes.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal)), at, channel: "crm");
}
