using Engagement.Feeds;
using Engagement.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Engagement.Load.Workload;

/// <summary>A batch about to be sent, with what the engine must answer for it.</summary>
public sealed record PlannedBatch(
    EventBatch Batch,
    int Fresh,
    int Duplicates,
    int[] InvalidIndexes,
    IReadOnlyList<WatchedSend> Watched);

/// <summary>A fresh event for a watched customer: its card must eventually show this event id.</summary>
public readonly record struct WatchedSend(string CustomerId, string EventId);

/// <summary>What every stream's factory shares: the customers, their ids, the mix and the rates.</summary>
public sealed class Workload(
    string runId,
    CustomerPicker customers,
    string customerPrefix,
    EventMix mix,
    double duplicateRate,
    double invalidRate,
    IReadOnlySet<int> watched)
{
    private readonly string[] _customerIds = [.. Enumerable.Range(0, customers.Count).Select(i => $"{customerPrefix}{i}")];

    public string RunId { get; } = runId;

    public CustomerPicker Customers { get; } = customers;

    public EventMix Mix { get; } = mix;

    public double DuplicateRate { get; } = duplicateRate;

    public double InvalidRate { get; } = invalidRate;

    public IReadOnlySet<int> Watched { get; } = watched;

    public string CustomerId(int index) => _customerIds[index];
}

/// <summary>
/// Builds one stream's batches. Event ids are unique per run (run id, stream, sequence), so a data folder can
/// take many runs. A duplicate is an exact re-send of a fresh event this stream sent before (the channel retry
/// the engine must count once); an invalid event breaks one rule the engine checks, chosen in turn.
/// </summary>
public sealed class EventFactory(Workload workload, int stream, int seed)
{
    // Re-sends come from the last few thousand fresh events: recent enough to be likely still in flight.
    private const int RecentCapacity = 4096;

    private static readonly string[] Categories = ["music", "books", "video", "games", "garden", "kitchen"];
    private static readonly string[] Regions = ["north", "south", "east", "west"];
    private static readonly string[] AgeBands = ["18-24", "25-34", "35-44", "45-54", "55+"];

    private readonly Random _random = new(seed);
    private readonly Event[] _recent = new Event[RecentCapacity];
    private readonly string _idPrefix = $"{workload.RunId}-{stream}-";
    private int _recentCount;
    private int _recentNext;
    private long _sequence;
    private int _invalidTurn;

    public PlannedBatch Next(int size, DateTimeOffset now)
    {
        var batch = new EventBatch { BatchId = NewId("b") };
        // One timestamp message for the whole batch: it is only read when serialised.
        var occurredAt = Timestamp.FromDateTimeOffset(now);
        var fresh = 0;
        var duplicates = 0;
        List<int>? invalid = null;
        List<WatchedSend>? watched = null;
        for (var index = 0; index < size; index++)
        {
            var roll = _random.NextDouble();
            if (roll < workload.InvalidRate)
            {
                batch.Events.Add(Invalid(occurredAt, now));
                (invalid ??= []).Add(index);
            }
            else if (roll < workload.InvalidRate + workload.DuplicateRate && _recentCount > 0)
            {
                batch.Events.Add(_recent[_random.Next(_recentCount)]);
                duplicates++;
            }
            else
            {
                var customer = workload.Customers.Next(_random);
                var @event = Valid(workload.CustomerId(customer), workload.Mix.Next(_random), occurredAt);
                batch.Events.Add(@event);
                Remember(@event);
                fresh++;
                if (workload.Watched.Contains(customer)) (watched ??= []).Add(new WatchedSend(@event.CustomerId, @event.EventId));
            }
        }
        return new PlannedBatch(batch, fresh, duplicates, invalid?.ToArray() ?? [], (IReadOnlyList<WatchedSend>?)watched ?? []);
    }

    /// <summary>One valid visit per customer, sent before the run so that every watched customer exists.</summary>
    public EventBatch Seed(IEnumerable<string> customerIds, DateTimeOffset now)
    {
        var occurredAt = Timestamp.FromDateTimeOffset(now);
        var batch = new EventBatch { BatchId = NewId("seed") };
        batch.Events.AddRange(customerIds.Select(id => Valid(id, EventKind.Visit, occurredAt)));
        return batch;
    }

    private string NewId(string kind) => $"{_idPrefix}{kind}{++_sequence}";

    private void Remember(Event @event)
    {
        _recent[_recentNext] = @event;
        _recentNext = (_recentNext + 1) % RecentCapacity;
        _recentCount = Math.Min(_recentCount + 1, RecentCapacity);
    }

    private Event Valid(string customerId, EventKind kind, Timestamp occurredAt)
    {
        var @event = new Event { EventId = NewId("e"), CustomerId = customerId, OccurredAt = occurredAt };
        switch (kind)
        {
            case EventKind.Purchase:
                @event.Channel = "web";
                @event.Purchase = new Purchase { Amount = Money(5, 200), Currency = "USD", OrderId = NewId("o") };
                break;
            case EventKind.Refund:
                @event.Channel = "web";
                @event.Refund = new Refund { Amount = Money(1, 50), Currency = "USD", OrderId = NewId("o") };
                break;
            case EventKind.Visit:
                @event.Channel = "app";
                var category = Categories[_random.Next(Categories.Length)];
                @event.Visit = new Visit { Page = $"/{category}/{_random.Next(1000)}", Category = category };
                break;
            case EventKind.Call:
                @event.Channel = "ivr";
                @event.Call = Contact();
                break;
            case EventKind.Chat:
                @event.Channel = "chat";
                @event.Chat = Contact();
                break;
            case EventKind.EmailOpen:
                @event.Channel = "email";
                @event.EmailOpen = new EmailEngagement { Campaign = "spring-sale" };
                break;
            case EventKind.EmailClick:
                @event.Channel = "email";
                @event.EmailClick = new EmailEngagement { Campaign = "spring-sale" };
                break;
            case EventKind.ComplaintOpened:
                @event.Channel = "ivr";
                @event.ComplaintOpened = new ComplaintOpened { Severity = (ComplaintSeverity)_random.Next(1, 4), TicketId = NewId("t") };
                break;
            case EventKind.ComplaintResolved:
                @event.Channel = "ivr";
                @event.ComplaintResolved = new ComplaintResolved { TicketId = NewId("t") };
                break;
            case EventKind.Survey:
                @event.Channel = "email";
                @event.Survey = _random.Next(2) == 0 ? new Survey { Csat = _random.Next(1, 6) } : new Survey { Nps = _random.Next(0, 11) };
                break;
            case EventKind.ProfileUpdate:
                @event.Channel = "app";
                @event.ProfileUpdate = new ProfileUpdate();
                @event.ProfileUpdate.Attributes.Add("region", Regions[_random.Next(Regions.Length)]);
                @event.ProfileUpdate.Attributes.Add("age_band", AgeBands[_random.Next(AgeBands.Length)]);
                break;
            case EventKind.Cancellation:
                @event.Channel = "web";
                @event.Cancellation = new Cancellation { Reason = "moved away" };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return @event;
    }

    /// <summary>Each breaks one rule of the ingest validation, in turn, so every run exercises them all.</summary>
    private Event Invalid(Timestamp occurredAt, DateTimeOffset now)
    {
        var @event = Valid(workload.CustomerId(workload.Customers.Next(_random)), EventKind.Purchase, occurredAt);
        switch (_invalidTurn++ % 6)
        {
            case 0:
                @event.Purchase.Amount = -5;
                break;
            case 1:
                @event.Survey = new Survey { Csat = 9 };
                break;
            case 2:
                @event.ClearPayload();
                break;
            case 3:
                @event.OccurredAt = Timestamp.FromDateTimeOffset(now.AddDays(1));
                break;
            case 4:
                @event.Channel = "web shop!";
                break;
            default:
                @event.EventId = "";
                break;
        }
        return @event;
    }

    private ServiceContact Contact() => new()
    {
        Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(_random.Next(30, 900))),
        Outcome = (ContactOutcome)_random.Next(1, 4),
    };

    private double Money(int min, int max) => Math.Round(min + _random.NextDouble() * (max - min), 2);
}
