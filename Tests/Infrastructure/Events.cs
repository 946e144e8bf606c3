using Engagement.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Engagement.Tests.Infrastructure;

/// <summary>Builders of wire events for tests.</summary>
public static class Events
{
    private static int _counter;

    public static string NewId(string prefix = "e") => $"{prefix}-{Guid.NewGuid():N}";

    public static Event Purchase(string customerId, double amount, DateTimeOffset at, string? eventId = null, string currency = "USD") => new()
    {
        EventId = eventId ?? NewId(),
        CustomerId = customerId,
        Channel = "web",
        OccurredAt = Timestamp.FromDateTimeOffset(at),
        Purchase = new Purchase { Amount = amount, Currency = currency, OrderId = $"o-{Interlocked.Increment(ref _counter)}" },
    };

    public static Event Visit(string customerId, DateTimeOffset at, string? eventId = null) => new()
    {
        EventId = eventId ?? NewId(),
        CustomerId = customerId,
        Channel = "app",
        OccurredAt = Timestamp.FromDateTimeOffset(at),
        Visit = new Visit { Page = "/home", Category = "music" },
    };

    public static Event Profile(string customerId, DateTimeOffset at, params (string Name, string Value)[] attributes)
    {
        var update = new ProfileUpdate();
        foreach (var (name, value) in attributes) update.Attributes[name] = value;
        return new Event
        {
            EventId = NewId(),
            CustomerId = customerId,
            Channel = "crm",
            OccurredAt = Timestamp.FromDateTimeOffset(at),
            ProfileUpdate = update,
        };
    }

    public static EventBatch Batch(params Event[] events)
    {
        var batch = new EventBatch { BatchId = NewId("b") };
        batch.Events.AddRange(events);
        return batch;
    }

    public static Event Nps(string customerId, int score, DateTimeOffset at) => new()
    {
        EventId = NewId(),
        CustomerId = customerId,
        Channel = "web",
        OccurredAt = Timestamp.FromDateTimeOffset(at),
        Survey = new Survey { Nps = score },
    };

    public static Event Complaint(string customerId, ComplaintSeverity severity, DateTimeOffset at) => new()
    {
        EventId = NewId(),
        CustomerId = customerId,
        Channel = "phone",
        OccurredAt = Timestamp.FromDateTimeOffset(at),
        ComplaintOpened = new ComplaintOpened { Severity = severity, TicketId = $"t-{Interlocked.Increment(ref _counter)}" },
    };
}
