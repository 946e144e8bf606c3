using Engagement.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Engagement.Feeds.Simulation;

/// <summary>
/// One simulated customer: a profile, a rhythm (how often it buys), a value (what an order is worth), a mood (how
/// its service contacts, complaints and surveys go) and whether it goes quiet, perhaps with a cancellation. Its
/// events follow from these: a Poisson stream whose types are drawn from the customer's own <see cref="EventMix"/>.
/// Not thread-safe: one simulator draws from it.
/// </summary>
public sealed class SimulatedCustomer
{
    private static readonly string[] Categories = ["rock", "jazz", "classical", "pop", "soundtracks", "world"];
    private static readonly string[] Campaigns = ["new-releases", "spring-sale", "loyalty-points", "we-miss-you"];
    private static readonly string[] PurchaseChannels = ["web", "app", "store"];
    private static readonly string[] BrowseChannels = ["web", "app"];
    private static readonly string[] CancellationReasons = ["moved away", "too expensive", "switched to a competitor", "no longer needed"];

    private readonly SimulatedIds _ids;
    private readonly Dictionary<string, string> _profile;
    private readonly Queue<string> _openTickets = new();
    private (string OrderId, double Amount)? _lastOrder;

    internal SimulatedCustomer(string id, Dictionary<string, string> profile, EventMix mix, double eventsPerDay, double orderValue, double mood,
        DateTimeOffset joinedAt, DateTimeOffset? quietFrom, bool cancels, SimulatedIds ids)
    {
        Id = id;
        _profile = profile;
        Mix = mix;
        EventsPerDay = eventsPerDay;
        OrderValue = orderValue;
        Mood = mood;
        JoinedAt = joinedAt;
        QuietFrom = quietFrom;
        Cancels = cancels;
        _ids = ids;
    }

    public string Id { get; }

    public IReadOnlyDictionary<string, string> Profile => _profile;

    /// <summary>How its events divide over the types.</summary>
    public EventMix Mix { get; }

    public double EventsPerDay { get; }

    /// <summary>What a typical order is worth, in USD.</summary>
    public double OrderValue { get; }

    /// <summary>0 (unhappy) to 1 (happy): how its contacts end and how it answers surveys.</summary>
    public double Mood { get; }

    public DateTimeOffset JoinedAt { get; }

    /// <summary>When it stopped doing anything (null: still active).</summary>
    public DateTimeOffset? QuietFrom { get; }

    /// <summary>Whether it said so, with a cancellation, when it went quiet.</summary>
    public bool Cancels { get; }

    /// <summary>
    /// Its events from joining (a profile update first) to <paramref name="until"/> or to going quiet, in time order.
    /// </summary>
    public IEnumerable<Event> History(Random random, DateTimeOffset until)
    {
        yield return ProfileUpdate(JoinedAt, _profile);
        var end = QuietFrom ?? until;
        var at = JoinedAt;
        while (true)
        {
            at += TimeSpan.FromDays(-Math.Log(1 - random.NextDouble()) / EventsPerDay);
            if (at >= end) break;
            yield return Next(random, at);
        }
        if (QuietFrom is { } quiet && Cancels)
        {
            yield return New("web", quiet, e => e.Cancellation = new Cancellation { Reason = Pick(random, CancellationReasons) });
        }
    }

    /// <summary>Its next interaction, at <paramref name="at"/>, of a type drawn from its mix.</summary>
    public Event Next(Random random, DateTimeOffset at) => Mix.Next(random) switch
    {
        EventKind.Purchase => Purchase(random, at),
        EventKind.Refund when _lastOrder is { } order => New("web", at, e => e.Refund = new Refund
        {
            Amount = random.NextDouble() < 0.6 ? order.Amount : Math.Round(order.Amount * (0.2 + 0.6 * random.NextDouble()), 2),
            Currency = "USD",
            OrderId = order.OrderId,
        }),
        EventKind.Call => New("phone", at, e => e.Call = Contact(random)),
        EventKind.Chat => New("chat", at, e => e.Chat = Contact(random)),
        EventKind.EmailOpen => New("email", at, e => e.EmailOpen = new EmailEngagement { Campaign = Pick(random, Campaigns) }),
        EventKind.EmailClick => New("email", at, e => e.EmailClick = new EmailEngagement { Campaign = Pick(random, Campaigns) }),
        EventKind.ComplaintOpened => ComplaintOpened(random, at),
        EventKind.ComplaintResolved when _openTickets.TryDequeue(out var ticket) =>
            New("phone", at, e => e.ComplaintResolved = new ComplaintResolved { TicketId = ticket }),
        EventKind.Survey => New("email", at, e => e.Survey = Survey(random)),
        EventKind.ProfileUpdate => ProfileUpdate(at, Moved(random)),
        EventKind.Cancellation => New("web", at, e => e.Cancellation = new Cancellation { Reason = Pick(random, CancellationReasons) }),
        // A visit, and also a refund with nothing bought yet or a resolution with nothing open.
        _ => Visit(random, at),
    };

    private Event Purchase(Random random, DateTimeOffset at)
    {
        // Orders scatter around the customer's value (log-normal, σ 0.35).
        var amount = Math.Round(OrderValue * Math.Exp(0.35 * Gaussian(random)), 2);
        var orderId = _ids.Order();
        _lastOrder = (orderId, amount);
        return New(Pick(random, PurchaseChannels), at, e => e.Purchase = new Purchase { Amount = amount, Currency = "USD", OrderId = orderId });
    }

    private Event Visit(Random random, DateTimeOffset at)
    {
        var category = Pick(random, Categories);
        return New(Pick(random, BrowseChannels), at, e => e.Visit = new Visit { Page = $"/{category}/{random.Next(1, 5000)}", Category = category });
    }

    private Event ComplaintOpened(Random random, DateTimeOffset at)
    {
        // Unhappy customers complain harder.
        var u = random.NextDouble();
        var severity = u < 0.15 + 0.35 * (1 - Mood) ? ComplaintSeverity.High : u < 0.7 ? ComplaintSeverity.Medium : ComplaintSeverity.Low;
        var ticket = _ids.Ticket();
        _openTickets.Enqueue(ticket);
        return New("phone", at, e => e.ComplaintOpened = new ComplaintOpened { Severity = severity, TicketId = ticket });
    }

    private ServiceContact Contact(Random random)
    {
        var u = random.NextDouble();
        var resolvedShare = 0.5 + 0.45 * Mood;
        return new ServiceContact
        {
            Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(random.Next(60, 1200))),
            Outcome = u < resolvedShare ? ContactOutcome.Resolved
                : u < resolvedShare + 0.7 * (1 - resolvedShare) ? ContactOutcome.Unresolved : ContactOutcome.Transferred,
        };
    }

    private Survey Survey(Random random) => random.Next(2) == 0
        ? new Survey { Csat = (int)Math.Clamp(Math.Round(1 + 4 * Mood + 0.7 * Gaussian(random)), 1, 5) }
        : new Survey { Nps = (int)Math.Clamp(Math.Round(10 * Mood + 1.5 * Gaussian(random)), 0, 10) };

    /// <summary>A later profile change: a new e-mail address, phone number or city in the same region.</summary>
    private Dictionary<string, string> Moved(Random random)
    {
        var change = random.Next(3) switch
        {
            0 => ("email", SimulatedPopulation.Email(_profile["name"], random)),
            1 => ("phone", SimulatedPopulation.Phone(random)),
            _ => ("city", SimulatedPopulation.City(_profile["region"], random)),
        };
        _profile[change.Item1] = change.Item2;
        return new Dictionary<string, string> { [change.Item1] = change.Item2 };
    }

    private Event ProfileUpdate(DateTimeOffset at, Dictionary<string, string> attributes)
    {
        var update = new ProfileUpdate();
        update.Attributes.Add(attributes);
        return New("app", at, e => e.ProfileUpdate = update);
    }

    private Event New(string channel, DateTimeOffset at, Action<Event> payload)
    {
        var @event = new Event { EventId = _ids.Event(), CustomerId = Id, Channel = channel, OccurredAt = Timestamp.FromDateTimeOffset(at) };
        payload(@event);
        return @event;
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    /// <summary>A standard normal draw (Box-Muller).</summary>
    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
