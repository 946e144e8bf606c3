using Engagement.Contracts.Customers;
using Engagement.Storage;

namespace Engagement.Tests.Storage;

/// <summary>
/// The journal keeps payloads as JSON (System.Text.Json web defaults, so enums are numbers). Entries written while
/// contact outcomes and complaint severities had enums of their own in Contracts read back with the same meaning
/// now that the payloads carry the wire's enums, and are written back byte for byte as they were stored.
/// </summary>
public sealed class EventCodecTests
{
    private static readonly DateTimeOffset At = new(2024, 3, 1, 9, 30, 0, TimeSpan.Zero);

    public static TheoryData<string, string, string> StoredPayloads => new()
    {
        // As the journal holds them: written by the engine before the change, read here as stored text.
        { "call", """{"type":"call","duration":"00:05:00","outcome":1}""", "Resolved" },
        { "chat", """{"type":"chat","duration":"00:01:30","outcome":2}""", "Unresolved" },
        { "call", """{"type":"call","duration":"00:12:00","outcome":3}""", "Transferred" },
        { "complaint_opened", """{"type":"complaint_opened","severity":1,"ticketId":"t-1"}""", "Low" },
        { "complaint_opened", """{"type":"complaint_opened","severity":2,"ticketId":"t-2"}""", "Medium" },
        { "complaint_opened", """{"type":"complaint_opened","severity":3,"ticketId":"t-3"}""", "High" },
    };

    [Theory]
    [MemberData(nameof(StoredPayloads))]
    public void A_stored_payload_reads_back_with_its_meaning_and_is_written_as_it_was_stored(string type, string stored, string meaning)
    {
        var @event = EventCodec.FromEntry(new JournalEntry(7, "e-1", type, "phone", At, At, stored));

        var read = @event.Payload switch
        {
            CallPayload call => call.Outcome.ToString(),
            ChatPayload chat => chat.Outcome.ToString(),
            ComplaintOpenedPayload complaint => complaint.Severity.ToString(),
            var other => throw new InvalidOperationException($"unexpected {other.GetType().Name}"),
        };
        Assert.Equal(meaning, read);
        Assert.Equal(type, @event.Payload.Type);
        Assert.Equal(stored, EventCodec.ToEntry(@event, 7, At).Payload);
    }

    /// <summary>
    /// An agent's contact outcome as the journal holds it: the outcome a number of <see cref="Engagement.Contracts.Alerts.AlertOutcome"/>
    /// (so its members must never be renumbered), read back with its meaning and written back byte for byte.
    /// </summary>
    [Fact]
    public void A_contact_outcome_reads_back_with_its_meaning_and_is_written_as_it_was_stored()
    {
        const string stored = """{"type":"contact_outcome","outcome":2,"callbackAt":null,"note":"stays","agentId":"ann","alertId":"c-1|ChurnWarning|1"}""";

        var @event = EventCodec.FromEntry(new JournalEntry(3, "o-1", "contact_outcome", "agent", At, At, stored));

        Assert.Equal(new ContactOutcomePayload(Engagement.Contracts.Alerts.AlertOutcome.Retained, null, "stays", "ann", "c-1|ChurnWarning|1"), @event.Payload);
        Assert.Equal(stored, EventCodec.ToEntry(@event, 3, At).Payload);
    }
}
