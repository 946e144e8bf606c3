using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Contracts.Customers;
using Engagement.Grains.Customers;
using Engagement.Storage;

namespace Engagement.Gateway.Privacy;

/// <summary>
/// Everything the engine holds about a person as one JSON document (issue 17): identifiers, profile, the summary of the
/// history and the derived traits (from the customer's card), its decisions, every journaled event, every alert and every
/// change of its alerts. The journal and the alerts are read a page at a time and written out as they are read, so the
/// document's size does not bound the memory it takes.
/// </summary>
public sealed class PersonalDataExport(IGrainFactory grains, CustomerQueries queries, ErasureStore erasures, TimeProvider clock)
{
    private const int PageSize = 500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The customer's card, or null for a customer the engine does not know.</summary>
    public Task<CustomerCard?> CardAsync(string customerId) => grains.GetGrain<ICustomerGrain>(customerId).GetCard();

    /// <summary>Writes the document, handing each part to <paramref name="emit"/> as it is ready.</summary>
    public async Task WriteAsync(CustomerCard card, Func<ReadOnlyMemory<byte>, CancellationToken, Task> emit, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        await using var json = new Utf8JsonWriter(buffer);
        async Task FlushAsync()
        {
            await json.FlushAsync(cancellationToken);
            if (buffer.WrittenCount == 0) return;
            await emit(buffer.WrittenMemory, cancellationToken);
            buffer.ResetWrittenCount();
        }

        var id = card.CustomerId;
        json.WriteStartObject();
        json.WriteString("customerId", id);
        json.WriteString("exportedAt", clock.GetUtcNow());
        json.WritePropertyName("identifiers");
        JsonSerializer.Serialize(json, IdentifiersOf(card), Json);
        json.WritePropertyName("profile");
        JsonSerializer.Serialize(json, card.Profile, Json);
        json.WritePropertyName("summary");
        JsonSerializer.Serialize(json, new
        {
            card.EventCount, card.PurchaseDays, card.PurchaseCount, card.TotalSpend, card.Refunded, card.FirstPurchaseAt, card.LastPurchaseAt,
            card.UpdatedAt, card.Currency,
        }, Json);
        json.WritePropertyName("traits");
        JsonSerializer.Serialize(json, new
        {
            card.Stage, card.StageSince, card.Tier, card.TierSince, card.RfmCell, card.RfmGroup, card.Segments, card.Engagement,
            card.EngagementContributions, card.Satisfaction, card.ProbabilityAlive, card.Clv, card.ExpectedPurchases, card.ExpectedSpend,
            card.HorizonDays, card.ChurnRisk, card.RiskBand, card.ChurnReasons, card.RiskRisesAt, card.NextBestAction, card.Team,
            card.PopulationVersion, card.EvaluatedAt,
        }, Json);
        json.WritePropertyName("decisions");
        JsonSerializer.Serialize(json, card.DecisionLog, Json);
        await FlushAsync();

        json.WriteStartArray("events");
        long? afterSeq = 0;
        do
        {
            var page = await queries.EventsAsync(id, afterSeq.Value, PageSize, cancellationToken);
            foreach (var e in page.Events)
            {
                json.WriteStartObject();
                json.WriteNumber("seq", e.Seq);
                json.WriteString("eventId", e.EventId);
                json.WriteString("type", e.EventType);
                json.WriteString("channel", e.Channel);
                json.WriteString("occurredAt", e.OccurredAt);
                json.WriteString("recordedAt", e.RecordedAt);
                json.WritePropertyName("payload");
                json.WriteRawValue(e.Payload, skipInputValidation: true);
                json.WriteEndObject();
            }
            await FlushAsync();
            afterSeq = page.Next;
        }
        while (afterSeq is not null);
        json.WriteEndArray();

        json.WriteStartArray("alerts");
        string? afterAlert = null;
        do
        {
            var page = await queries.AlertsAsync(new AlertHistoryFilter { CustomerId = id }, afterAlert, PageSize, cancellationToken);
            foreach (var alert in page.Alerts) JsonSerializer.Serialize(json, alert, Json);
            await FlushAsync();
            afterAlert = page.Next;
        }
        while (afterAlert is not null);
        json.WriteEndArray();

        json.WriteStartArray("alertChanges");
        foreach (var change in await erasures.AlertChangesAsync(id, cancellationToken)) json.WriteRawValue(change, skipInputValidation: true);
        json.WriteEndArray();
        json.WriteEndObject();
        await FlushAsync();
    }

    /// <summary>The ids the customer is known by: its own, and the contacts of its profile as the contact index keys them.</summary>
    public static IReadOnlyList<Identifier> IdentifiersOf(CustomerCard card) =>
    [
        new("id", card.CustomerId),
        .. ContactKeys.Of(card.Profile).Order(StringComparer.Ordinal).Select(key => new Identifier(ContactKeys.KindOf(key), key[(key.IndexOf(':') + 1)..])),
    ];

    public sealed record Identifier(string Kind, string Value);
}
