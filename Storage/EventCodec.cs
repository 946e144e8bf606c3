using System.Text.Json;
using Engagement.Contracts.Customers;

namespace Engagement.Storage;

/// <summary>Turns events into journal entries and back. The payload is JSON so that audits can read the journal with SQL.</summary>
public static class EventCodec
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static JournalEntry ToEntry(CustomerEvent @event, long seq, DateTimeOffset recordedAt) => new(
        seq, @event.EventId, @event.Payload.Type, @event.Channel, @event.OccurredAt, recordedAt,
        JsonSerializer.Serialize(@event.Payload, Json));

    public static CustomerEvent FromEntry(JournalEntry entry) => new(
        entry.EventId, entry.Channel, entry.OccurredAt,
        JsonSerializer.Deserialize<EventPayload>(entry.Payload, Json)
            ?? throw new InvalidDataException($"Journal entry {entry.Seq} ({entry.EventId}) has an empty payload."));
}
