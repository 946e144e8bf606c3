using CsCheck;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Engagement.Tests.Hardening;

/// <summary>
/// Issue 15, acceptance 2: the ingest contract under generated input. A hundred batches of a thousand events (CsCheck),
/// valid ones and ones with a field mutated (empty, huge, unicode, control characters, NaN and infinities, extreme and
/// invalid times, undefined enum numbers, no or an unknown payload), go through the real gRPC ingest of a real engine.
/// Each event is accepted or refused with its field and reason (the mutated field, where the mutation is surely
/// invalid); resent batches are all duplicates; the engine stays up; and afterwards every customer's card counts
/// exactly the events accepted for it.
/// </summary>
public sealed class IngestFuzzTests
{
    private const int Batches = 100;
    private const int EventsPerBatch = 1000;
    private const int Customers = 200;
    private const int MaxText = 1024;
    private const int MaxId = 128;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What an event must come to: accepted, refused for a field (a prefix of the rejection's field), or either.</summary>
    private sealed record Expectation(bool? Accepted, string? Field = null)
    {
        public static readonly Expectation Valid = new(true);
        public static readonly Expectation Either = new((bool?)null);

        public static Expectation Refused(string field) => new(false, field);
    }

    private sealed record Fuzzed(Event Event, Expectation Expected);

    [Fact]
    public async Task A_hundred_thousand_generated_events_are_each_accepted_or_refused_with_field_and_reason_and_counted_once()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var counter = 0;
        var batches = 0;
        var ingest = engine.Client.Ingest();
        var accepted = new Dictionary<string, int>(StringComparer.Ordinal);
        var (total, refused, resent) = (0, 0, 0);

        var events = EventGen(run, now, () => Interlocked.Increment(ref counter));
        await events.Array[EventsPerBatch].SampleAsync(async batchEvents =>
        {
            // Half the batches are a backfill (applied, raising no alert), half live.
            var batch = new EventBatch { BatchId = $"fz-{run}-b{++batches}", Backfill = batches % 2 == 0 };
            batch.Events.AddRange(batchEvents.Select(e => e.Event));
            Assert.True(batch.CalculateSize() < 4 * 1024 * 1024, "a batch within the engine's batch limit");

            var ack = await ingest.SubmitAsync(batch, cancellationToken: Ct);
            var rejections = ack.Rejected.ToDictionary(r => r.Index);
            Assert.Equal(0, ack.Duplicates);
            Assert.Equal(batchEvents.Length, ack.Accepted + rejections.Count);
            for (var i = 0; i < batchEvents.Length; i++)
            {
                var (wire, expected) = (batchEvents[i].Event, batchEvents[i].Expected);
                if (rejections.TryGetValue(i, out var rejection))
                {
                    Assert.False(string.IsNullOrWhiteSpace(rejection.Field), $"event {i} refused without a field");
                    Assert.False(string.IsNullOrWhiteSpace(rejection.Reason), $"event {i} refused without a reason ({rejection.Field})");
                    Assert.True(expected.Accepted != true, $"a valid event refused: {rejection.Field}: {rejection.Reason} ({wire})");
                    if (expected.Field is { } field)
                    {
                        Assert.True(rejection.Field.StartsWith(field, StringComparison.Ordinal), $"refused for {rejection.Field}, not {field}: {rejection.Reason}");
                    }
                    refused++;
                }
                else
                {
                    Assert.True(expected.Accepted != false, $"an event with a bad {expected.Field} accepted: {Shorten(wire.ToString())}");
                    accepted[wire.CustomerId] = accepted.GetValueOrDefault(wire.CustomerId) + 1;
                }
            }
            total += batchEvents.Length;

            // A channel's retry of every tenth batch: nothing counted twice.
            if (batches % 10 == 0)
            {
                var again = await ingest.SubmitAsync(batch, cancellationToken: Ct);
                Assert.Equal((0, ack.Accepted, rejections.Count), (again.Accepted, again.Duplicates, again.Rejected.Count));
                resent++;
            }
        }, iter: Batches, threads: 1);

        Assert.True(total >= 100_000, $"{total} events");
        Assert.InRange(refused, total / 10, total * 9 / 10);
        Assert.Equal(Batches / 10, resent);

        // The engine is up and takes events as before.
        var probe = $"fz-{run}-probe";
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(probe, 10, now.AddMinutes(-1)));
        accepted[probe] = 1;

        // Every accepted event counted exactly once, customer by customer.
        var customers = engine.Client.Customers();
        foreach (var (customer, count) in accepted)
        {
            var card = await customers.GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
            Assert.Equal((customer, (long)count), (customer, card.EventCount));
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    // ---- Generators ----

    private static readonly string[] UnicodeBits = ["ä", "ø", "ß", "é", "漢", "字", "Ж", "ק", "ع", "😀", "👩‍💻", "\u200b", "\u00a0", "e\u0301", "ﬁ"];

    private static readonly Gen<string> Ascii = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789 -_."].Array[0, 24].Select(chars => new string(chars));

    private static readonly Gen<string> Unicode = Gen.OneOf(UnicodeBits).Array[1, 12].Select(parts => string.Concat(parts));

    private static readonly Gen<string> Control = Gen.Select(Ascii, Gen.Int[0, 31], (text, c) => $"{text}{(char)c}{text}");

    /// <summary>Texts a valid event may carry: anything up to the limit.</summary>
    private static readonly Gen<string> Text = Gen.Frequency<string>((6, Ascii), (2, Unicode), (1, Control), (1, Gen.Const("")),
        (1, Gen.Int[MaxText - 8, MaxText].Select(n => new string('x', n))));

    private static readonly Gen<string> Huge = Gen.Int[MaxText + 1, 3000].Select(n => new string('y', n));

    private static readonly Gen<string> AttributeName = Gen.Char["abcdefghijklmnopqrstuvwxyz_"].Array[1, 12].Select(chars => new string(chars));

    private static Gen<Fuzzed> EventGen(string run, DateTimeOffset now, Func<int> next)
    {
        var valid = Gen.Select(Gen.Int[0, Customers - 1], Gen.Int[0, 3 * 365 * 24 * 60], Gen.OneOf("web", "app", "phone", "store/berlin-2", "crm", "email"), Payload(),
            (customer, minutesAgo, channel, payload) =>
            {
                var wire = payload.Clone();
                wire.EventId = $"e-{run}-{next()}";
                wire.CustomerId = $"fz-{run}-{customer}";
                wire.Channel = channel;
                wire.OccurredAt = Timestamp.FromDateTimeOffset(now.AddMinutes(-minutesAgo));
                return wire;
            });
        // Two in five events have one field mutated.
        return Gen.Select(valid, Gen.Int[0, 4], Gen.Int[0, 15], Gen.Int[0, 1 << 20], Huge, Unicode,
            (wire, dice, mutation, variant, huge, unicode) => dice < 3 ? new Fuzzed(wire, Expectation.Valid) : Mutate(wire, mutation, variant, huge, unicode));
    }

    private static Gen<Event> Payload() => Gen.OneOf<Event>(
        Gen.Select(Gen.Double[0.01, 5000], Gen.OneOf("USD", "EUR", ""), Ascii, (amount, currency, order) => new Event { Purchase = new Purchase { Amount = amount, Currency = currency, OrderId = order } }),
        Gen.Select(Gen.Double[0.01, 500], Ascii, (amount, order) => new Event { Refund = new Refund { Amount = amount, Currency = "USD", OrderId = order } }),
        Gen.Select(Text, Text, (page, category) => new Event { Visit = new Visit { Page = page, Category = category } }),
        Gen.Select(Gen.Int[0, 3600], Gen.Int[1, 3], Gen.Bool, (seconds, outcome, call) =>
        {
            var contact = new ServiceContact { Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)), Outcome = (ContactOutcome)outcome };
            return call ? new Event { Call = contact } : new Event { Chat = contact };
        }),
        Gen.Select(Text, Gen.Bool, (campaign, open) => open ? new Event { EmailOpen = new EmailEngagement { Campaign = campaign } } : new Event { EmailClick = new EmailEngagement { Campaign = campaign } }),
        Gen.Select(Gen.Int[1, 3], Gen.Int[0, 50], (severity, ticket) => new Event { ComplaintOpened = new ComplaintOpened { Severity = (ComplaintSeverity)severity, TicketId = $"t-{ticket}" } }),
        Gen.Int[0, 50].Select(ticket => new Event { ComplaintResolved = new ComplaintResolved { TicketId = $"t-{ticket}" } }),
        Gen.Select(Gen.Bool, Gen.Int[0, 10], (csat, score) => new Event { Survey = csat ? new Survey { Csat = 1 + score % 5 } : new Survey { Nps = score } }),
        Gen.Select(AttributeName, Text).Array[1, 6].Select(attributes =>
        {
            var update = new ProfileUpdate();
            foreach (var (name, value) in attributes) update.Attributes[name] = value;
            return new Event { ProfileUpdate = update };
        }),
        Text.Select(reason => new Event { Cancellation = new Cancellation { Reason = reason } }));

    /// <summary>One field of a valid event made empty, huge, odd or out of range; what the engine must make of it.</summary>
    private static Fuzzed Mutate(Event wire, int mutation, int variant, string huge, string unicode)
    {
        var e = wire.Clone();
        Expectation expected;
        switch (mutation)
        {
            case 0:
                (e.EventId, expected) = (variant % 5) switch
                {
                    0 => ("", Expectation.Refused("event_id")),
                    1 => ("   ", Expectation.Refused("event_id")),
                    2 => (new string('i', MaxId + 1 + variant % 1000), Expectation.Refused("event_id")),
                    3 => ($"{e.EventId}\u0007", Expectation.Refused("event_id")),
                    _ => ($"{e.EventId}-{unicode}"[..Math.Min(MaxId, e.EventId.Length + 1 + unicode.Length)], Expectation.Either),
                };
                break;
            case 1:
                (e.CustomerId, expected) = (variant % 5) switch
                {
                    0 => ("", Expectation.Refused("customer_id")),
                    1 => ("\t", Expectation.Refused("customer_id")),
                    2 => (new string('c', MaxId + 1 + variant % 100_000), Expectation.Refused("customer_id")),
                    3 => ($"{e.CustomerId}\n", Expectation.Refused("customer_id")),
                    _ => ($"{e.CustomerId}-{UnicodeBits[variant % UnicodeBits.Length]}", Expectation.Either),
                };
                break;
            case 2:
                (e.Channel, expected) = (variant % 6) switch
                {
                    0 => ("", Expectation.Refused("channel")),
                    1 => ("fax-machine-unknown", Expectation.Refused("channel")),
                    2 => ("../../etc/passwd", Expectation.Refused("channel")),
                    3 => (new string('w', 65), Expectation.Refused("channel")),
                    4 => ($"web/{unicode}", Expectation.Refused("channel")),
                    _ => ("web//x", Expectation.Refused("channel")),
                };
                break;
            case 3:
                (e.OccurredAt, expected) = (variant % 7) switch
                {
                    0 => (null, Expectation.Refused("occurred_at")),
                    1 => (new Timestamp { Seconds = -62_135_596_800 }, Expectation.Refused("occurred_at")),
                    2 => (new Timestamp { Seconds = 253_402_300_799, Nanos = 999_999_999 }, Expectation.Refused("occurred_at")),
                    3 => (new Timestamp { Seconds = long.MaxValue }, Expectation.Refused("occurred_at")),
                    4 => (new Timestamp { Seconds = 0, Nanos = -1 }, Expectation.Refused("occurred_at")),
                    5 => (Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1 + variant % 1000)), Expectation.Refused("occurred_at")),
                    _ => (Timestamp.FromDateTimeOffset(new DateTimeOffset(1899, 12, 31, 23, 59, 59, TimeSpan.Zero)), Expectation.Refused("occurred_at")),
                };
                break;
            case 4:
                e.ClearPayload();
                expected = Expectation.Refused("payload");
                break;
            case 5:
                e = WithUnknownPayload(e, variant);
                expected = Expectation.Refused("payload");
                break;
            default:
                expected = MutatePayload(e, mutation, variant, huge, unicode);
                break;
        }
        return new Fuzzed(e, expected);
    }

    /// <summary>An event from a newer client: its payload is a field this contract does not know (kept as an unknown field).</summary>
    private static Event WithUnknownPayload(Event e, int variant)
    {
        e.ClearPayload();
        using var unknown = new MemoryStream();
        using (var output = new CodedOutputStream(unknown, leaveOpen: true))
        {
            output.WriteTag(30 + variant % 70, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFromUtf8($"newer payload {variant}"));
        }
        return Event.Parser.ParseFrom([.. e.ToByteArray(), .. unknown.ToArray()]);
    }

    private static readonly double[] BadAmounts = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.01, -1e300, 1e16, double.MaxValue];

    private static Expectation MutatePayload(Event e, int mutation, int variant, string huge, string unicode)
    {
        switch (e.PayloadCase)
        {
            case Event.PayloadOneofCase.Purchase:
                switch (variant % 3)
                {
                    case 0: e.Purchase.Amount = BadAmounts[variant % BadAmounts.Length]; return Expectation.Refused("purchase.amount");
                    case 1: e.Purchase.Currency = (variant % 4) switch { 0 => "usd", 1 => "US", 2 => "€€€", _ => "USDX" }; return Expectation.Refused("purchase.currency");
                    default: e.Purchase.OrderId = huge; return Expectation.Refused("purchase.order_id");
                }
            case Event.PayloadOneofCase.Refund:
                e.Refund.Amount = BadAmounts[variant % BadAmounts.Length];
                return Expectation.Refused("refund.amount");
            case Event.PayloadOneofCase.Visit:
                if (variant % 2 == 0) e.Visit.Page = huge; else e.Visit.Category = huge;
                return Expectation.Refused("visit.");
            case Event.PayloadOneofCase.Call or Event.PayloadOneofCase.Chat:
                var contact = e.Call ?? e.Chat;
                var prefix = e.PayloadCase == Event.PayloadOneofCase.Call ? "call" : "chat";
                switch (variant % 3)
                {
                    case 0: contact.Duration = new Duration { Seconds = -1 - variant }; return Expectation.Refused($"{prefix}.duration");
                    case 1: contact.Duration = new Duration { Seconds = 8L * 24 * 3600 + variant }; return Expectation.Refused($"{prefix}.duration");
                    default: contact.Outcome = (ContactOutcome)(variant % 2 == 0 ? 0 : 4 + variant % 90); return Expectation.Refused($"{prefix}.outcome");
                }
            case Event.PayloadOneofCase.EmailOpen or Event.PayloadOneofCase.EmailClick:
                (e.EmailOpen ?? e.EmailClick).Campaign = huge;
                return Expectation.Refused(e.PayloadCase == Event.PayloadOneofCase.EmailOpen ? "email_open.campaign" : "email_click.campaign");
            case Event.PayloadOneofCase.ComplaintOpened:
                switch (variant % 3)
                {
                    case 0: e.ComplaintOpened.Severity = (ComplaintSeverity)(variant % 2 == 0 ? 0 : 4 + variant % 90); return Expectation.Refused("complaint_opened.severity");
                    case 1: e.ComplaintOpened.TicketId = ""; return Expectation.Refused("complaint_opened.ticket_id");
                    default: e.ComplaintOpened.TicketId = $"t\u0000{unicode}"; return Expectation.Refused("complaint_opened.ticket_id");
                }
            case Event.PayloadOneofCase.ComplaintResolved:
                e.ComplaintResolved.TicketId = variant % 2 == 0 ? "" : new string('t', MaxId + 1);
                return Expectation.Refused("complaint_resolved.ticket_id");
            case Event.PayloadOneofCase.Survey:
                switch (variant % 3)
                {
                    case 0: e.Survey.Csat = variant % 2 == 0 ? 0 : 6 + variant; return Expectation.Refused("survey.csat");
                    case 1: e.Survey.Nps = variant % 2 == 0 ? -1 - variant : 11 + variant; return Expectation.Refused("survey.nps");
                    default: e.Survey.ClearScore(); return Expectation.Refused("survey.score");
                }
            case Event.PayloadOneofCase.ProfileUpdate:
                var attributes = e.ProfileUpdate.Attributes;
                switch (variant % 5)
                {
                    case 0: attributes.Clear(); return Expectation.Refused("profile_update.attributes");
                    case 1:
                        for (var i = 0; i < 65; i++) attributes[$"bulk{i}"] = "v";
                        return Expectation.Refused("profile_update.attributes");
                    case 2: attributes[variant % 2 == 0 ? "a b" : unicode] = "v"; return Expectation.Refused("profile_update.attributes");
                    case 3: attributes[new string('n', 65)] = "v"; return Expectation.Refused("profile_update.attributes");
                    default: attributes["notes"] = huge; return Expectation.Refused("profile_update.attributes");
                }
            case Event.PayloadOneofCase.Cancellation:
                e.Cancellation.Reason = variant % 2 == 0 ? huge : $"{unicode}\u0001";
                return variant % 2 == 0 ? Expectation.Refused("cancellation.reason") : Expectation.Either;
            default:
                return Expectation.Either;
        }
    }
}
