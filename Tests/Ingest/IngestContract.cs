using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Engagement.Tests.Ingest;

/// <summary>
/// What every channel relies on, over real gRPC. The same suite runs against the embedded engine
/// (SQLite) and the cluster profile (PostgreSQL).
/// </summary>
public abstract class IngestContract(IEngineFixture engine)
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private EngineClient Client => engine.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewCustomer() => $"c-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_batch_counts_accepted_duplicate_and_rejected_events_each_right()
    {
        var customer = NewCustomer();
        var first = Events.Purchase(customer, 20, Day);
        var invalid = Events.Purchase(customer, -5, Day);
        var batch = Events.Batch(first, Events.Visit(customer, Day.AddHours(1)), first.Clone(), invalid, Events.Purchase(customer, 10, Day.AddDays(1)));

        var ack = await Client.Ingest().SubmitAsync(batch, cancellationToken: Ct);

        Assert.Equal(batch.BatchId, ack.BatchId);
        Assert.Equal(3, ack.Accepted);
        Assert.Equal(1, ack.Duplicates);
        var rejection = Assert.Single(ack.Rejected);
        Assert.Equal(3, rejection.Index);
        Assert.Equal(invalid.EventId, rejection.EventId);
        Assert.Equal("purchase.amount", rejection.Field);

        var again = await Client.Ingest().SubmitAsync(Events.Batch(first.Clone()), cancellationToken: Ct);
        Assert.Equal((0, 1), (again.Accepted, again.Duplicates));

        var card = await Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.Equal(3, card.EventCount);
        Assert.Equal(2, card.PurchaseDays);
        Assert.Equal(30, card.TotalSpend);
        Assert.Equal(3, card.Version);
    }

    public static TheoryData<string, string, string> InvalidEvents => new()
    {
        { "empty event_id", "event_id", "required" },
        { "over-long event_id", "event_id", "longer than" },
        { "empty customer_id", "customer_id", "required" },
        { "over-long customer_id", "customer_id", "longer than" },
        { "missing channel", "channel", "required" },
        { "missing occurred_at", "occurred_at", "required" },
        { "occurred_at in the future", "occurred_at", "in the future" },
        { "occurred_at before 1900", "occurred_at", "before 1900" },
        { "missing payload", "payload", "missing or unknown payload" },
        { "unknown payload", "payload", "missing or unknown payload" },
        { "negative amount", "purchase.amount", "negative" },
        { "NaN amount", "purchase.amount", "finite" },
        { "infinite amount", "purchase.amount", "finite" },
        { "negative refund", "refund.amount", "negative" },
        { "bad currency", "purchase.currency", "ISO 4217" },
        { "CSAT 0", "survey.csat", "out of range 1..5" },
        { "CSAT 6", "survey.csat", "out of range 1..5" },
        { "NPS 11", "survey.nps", "out of range 0..10" },
        { "NPS -1", "survey.nps", "out of range 0..10" },
        { "survey without score", "survey.score", "required" },
        { "complaint without severity", "complaint_opened.severity", "required" },
        { "call without outcome", "call.outcome", "required" },
        { "severity from a newer contract", "complaint_opened.severity", "required" },
        { "chat outcome from a newer contract", "chat.outcome", "required" },
        { "negative call duration", "call.duration", "negative" },
        { "profile without attributes", "profile_update.attributes", "at least one" },
    };

    [Theory]
    [MemberData(nameof(InvalidEvents))]
    public async Task An_invalid_event_is_rejected_with_its_field_and_reason_and_changes_nothing(string @case, string field, string reason)
    {
        var customer = NewCustomer();
        var baseline = Events.Purchase(customer, 10, Day);
        await Client.Ingest().SubmitAsync(Events.Batch(baseline), cancellationToken: Ct);
        var bad = Invalid(@case, customer);

        var ack = await Client.Ingest().SubmitAsync(Events.Batch(bad, Events.Visit(customer, Day.AddHours(2))), cancellationToken: Ct);

        Assert.Equal(1, ack.Accepted);
        var rejection = Assert.Single(ack.Rejected);
        Assert.Equal(0, rejection.Index);
        Assert.Equal(field, rejection.Field);
        Assert.Contains(reason, rejection.Reason, StringComparison.Ordinal);
        var card = await Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.Equal(2, card.EventCount);
        Assert.Equal(10, card.TotalSpend);
        Assert.DoesNotContain(card.RecentEvents, e => e.EventId == bad.EventId && bad.EventId.Length > 0);
    }

    private static Event Invalid(string @case, string customer)
    {
        var e = Events.Purchase(customer, 12, Day.AddHours(1));
        switch (@case)
        {
            case "empty event_id": e.EventId = ""; break;
            case "over-long event_id": e.EventId = new string('e', 129); break;
            case "empty customer_id": e.CustomerId = ""; break;
            case "over-long customer_id": e.CustomerId = new string('c', 129); break;
            case "missing channel": e.Channel = ""; break;
            case "missing occurred_at": e.OccurredAt = null; break;
            case "occurred_at in the future": e.OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)); break;
            case "occurred_at before 1900": e.OccurredAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(1850, 1, 1, 0, 0, 0, TimeSpan.Zero)); break;
            case "missing payload": e.ClearPayload(); break;
            case "unknown payload":
                // A payload from a newer contract: field 99 of Event (tag 0x9A 0x06, empty), unknown to this engine.
                e.ClearPayload();
                e = Event.Parser.ParseFrom([.. e.ToByteArray(), 0x9A, 0x06, 0x00]);
                break;
            case "negative amount": e.Purchase.Amount = -1; break;
            case "NaN amount": e.Purchase.Amount = double.NaN; break;
            case "infinite amount": e.Purchase.Amount = double.PositiveInfinity; break;
            case "negative refund": e.Refund = new Refund { Amount = -3, OrderId = "o1" }; break;
            case "bad currency": e.Purchase.Currency = "dollars"; break;
            case "CSAT 0": e.Survey = new Survey { Csat = 0 }; break;
            case "CSAT 6": e.Survey = new Survey { Csat = 6 }; break;
            case "NPS 11": e.Survey = new Survey { Nps = 11 }; break;
            case "NPS -1": e.Survey = new Survey { Nps = -1 }; break;
            case "survey without score": e.Survey = new Survey(); break;
            case "complaint without severity": e.ComplaintOpened = new ComplaintOpened { TicketId = "t1" }; break;
            case "call without outcome": e.Call = new ServiceContact { Duration = Duration.FromTimeSpan(TimeSpan.FromMinutes(3)) }; break;
            // A number this engine's contract does not name (proto3 keeps unknown enum numbers as they are).
            case "severity from a newer contract": e.ComplaintOpened = new ComplaintOpened { Severity = (ComplaintSeverity)7, TicketId = "t1" }; break;
            case "chat outcome from a newer contract": e.Chat = new ServiceContact { Outcome = (ContactOutcome)9 }; break;
            case "negative call duration":
                e.Call = new ServiceContact { Duration = new Duration { Seconds = -60 }, Outcome = ContactOutcome.Resolved };
                break;
            case "profile without attributes": e.ProfileUpdate = new ProfileUpdate(); break;
            default: throw new ArgumentOutOfRangeException(nameof(@case), @case, null);
        }
        return e;
    }

    [Fact]
    public async Task Historical_backfill_is_valid_and_out_of_order_purchases_are_placed_by_event_time()
    {
        var customer = NewCustomer();
        var jan = new DateTimeOffset(1997, 1, 12, 0, 0, 0, TimeSpan.Zero);
        var mar = new DateTimeOffset(1997, 3, 5, 0, 0, 0, TimeSpan.Zero);
        var feb = new DateTimeOffset(1997, 2, 20, 0, 0, 0, TimeSpan.Zero);

        await Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(customer, 30, mar)), cancellationToken: Ct);
        await Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(customer, 10, jan), Events.Purchase(customer, 5, jan.AddHours(3))), cancellationToken: Ct);
        var ack = await Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(customer, 20, feb)), cancellationToken: Ct);
        Assert.Equal(1, ack.Accepted);

        var card = await Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.Equal(jan, card.FirstPurchaseAt.ToDateTimeOffset());
        Assert.Equal(mar, card.LastPurchaseAt.ToDateTimeOffset());
        Assert.Equal(3, card.PurchaseDays);
        Assert.Equal(4, card.PurchaseCount);
        Assert.Equal(65, card.TotalSpend);
        Assert.Equal([mar, feb, jan.AddHours(3), jan], card.RecentEvents.Select(e => e.OccurredAt.ToDateTimeOffset()));
    }

    [Fact]
    public async Task A_batch_malformed_as_a_whole_is_invalid_argument()
    {
        var customer = NewCustomer();
        var empty = await Assert.ThrowsAsync<RpcException>(() => Client.Ingest().SubmitAsync(new EventBatch { BatchId = "b" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("events", empty.Status.Detail, StringComparison.Ordinal);

        var tooMany = Events.Batch([.. Enumerable.Range(0, TestLimits.MaxEventsPerBatch + 1).Select(i => Events.Visit(customer, Day.AddMinutes(i)))]);
        var many = await Assert.ThrowsAsync<RpcException>(() => Client.Ingest().SubmitAsync(tooMany, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, many.StatusCode);
        Assert.Contains("maximum of 50", many.Status.Detail, StringComparison.Ordinal);

        var huge = Events.Batch(Events.Visit(customer, Day));
        huge.Events[0].Visit.Page = new string('p', TestLimits.MaxBatchBytes + 10);
        var oversize = await Assert.ThrowsAsync<RpcException>(() => Client.Ingest().SubmitAsync(huge, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, oversize.StatusCode);
        Assert.Contains("bytes", oversize.Status.Detail, StringComparison.Ordinal);

        var get = await Assert.ThrowsAsync<RpcException>(() => Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task An_unknown_customer_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = NewCustomer() }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task A_stream_acknowledges_every_batch_in_order()
    {
        var customers = Enumerable.Range(0, 5).Select(_ => NewCustomer()).ToArray();
        var batches = Enumerable.Range(0, 20)
            .Select(i => Events.Batch([.. customers.Select(c => Events.Purchase(c, 1, Day.AddDays(i)))]))
            .ToList();

        using var call = Client.Ingest().Stream(cancellationToken: Ct);
        var acks = new List<BatchAck>();
        var reading = Task.Run(async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync(Ct)) acks.Add(ack);
        }, Ct);
        foreach (var batch in batches) await call.RequestStream.WriteAsync(batch, Ct);
        await call.RequestStream.CompleteAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(batches.Select(b => b.BatchId), acks.Select(a => a.BatchId));
        Assert.All(acks, a => Assert.Equal((5, 0), (a.Accepted, a.Duplicates)));
        foreach (var customer in customers)
        {
            var card = await Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
            Assert.Equal(20, card.PurchaseDays);
        }
    }

    [Fact]
    public async Task Calls_without_a_key_or_with_the_wrong_role_are_refused()
    {
        var batch = Events.Batch(Events.Visit(NewCustomer(), Day));
        var get = new GetCustomerRequest { CustomerId = "x" };

        Assert.Equal(StatusCode.Unauthenticated, (await Refused(() => Client.Ingest(key: null).SubmitAsync(batch, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Refused(() => Client.Ingest(key: "not-a-key-of-this-engine").SubmitAsync(batch, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Refused(() => Client.Customers(key: null).GetAsync(get, cancellationToken: Ct).ResponseAsync)).StatusCode);
        foreach (var wrong in new[] { TestKeys.Agent, TestKeys.Supervisor, TestKeys.Admin })
        {
            Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => Client.Ingest(wrong).SubmitAsync(batch, cancellationToken: Ct).ResponseAsync)).StatusCode);
        }
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => Client.Customers(TestKeys.Channel).GetAsync(get, cancellationToken: Ct).ResponseAsync)).StatusCode);

        var ack = await Client.Ingest(TestKeys.Channel).SubmitAsync(batch, cancellationToken: Ct);
        Assert.Equal(1, ack.Accepted);
        foreach (var reader in new[] { TestKeys.Agent, TestKeys.Supervisor, TestKeys.Admin })
        {
            var card = await Client.Customers(reader).GetAsync(new GetCustomerRequest { CustomerId = batch.Events[0].CustomerId }, cancellationToken: Ct);
            Assert.Equal(1, card.EventCount);
        }
    }

    private static Task<RpcException> Refused(Func<Task> call) => Assert.ThrowsAsync<RpcException>(call);

    [Fact]
    public async Task Watch_delivers_the_current_card_then_every_change_in_version_order()
    {
        var customer = NewCustomer();
        await Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(customer, 5, Day)), cancellationToken: Ct);

        using var watch = Client.Customers().Watch(new WatchCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.True(await watch.ResponseStream.MoveNext(Ct));
        var current = watch.ResponseStream.Current;
        Assert.Equal(1, current.Version);

        for (var i = 1; i <= 10; i++)
        {
            await Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(customer, 1, Day.AddDays(i))), cancellationToken: Ct);
        }

        var versions = new List<long>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (versions.Count < 10 && await watch.ResponseStream.MoveNext(timeout.Token))
        {
            versions.Add(watch.ResponseStream.Current.Version);
        }
        Assert.Equal(Enumerable.Range(2, 10).Select(v => (long)v), versions);
        Assert.Equal(11, watch.ResponseStream.Current.PurchaseDays);
    }
}

public sealed class EmbeddedIngestTests(EmbeddedEngineFixture engine) : IngestContract(engine), IClassFixture<EmbeddedEngineFixture>;

public sealed class ClusterIngestTests(ClusterEngineFixture engine) : IngestContract(engine), IClassFixture<ClusterEngineFixture>;
