using System.Globalization;
using System.Text.Json;

namespace Engagement.Feeds;

/// <summary>The twelve interaction types of the domain, by their wire names.</summary>
public enum EventKind
{
    Purchase,
    Refund,
    Visit,
    Call,
    Chat,
    EmailOpen,
    EmailClick,
    ComplaintOpened,
    ComplaintResolved,
    Survey,
    ProfileUpdate,
    Cancellation,
}

/// <summary>
/// How often each event type is sent: relative weights, <c>default</c> (purchase-heavy, every type present)
/// or a list such as <c>purchase=60,visit=40</c>.
/// </summary>
public sealed class EventMix
{
    /// <summary>The wire names of the types (<c>email_open</c> for <see cref="EventKind.EmailOpen"/>), as the mix spells them.</summary>
    public static readonly IReadOnlyDictionary<string, EventKind> Names = Enum.GetValues<EventKind>()
        .ToDictionary(WireName, StringComparer.OrdinalIgnoreCase);

    // A shop's day: mostly purchases and browsing, some marketing and service, rare complaints and cancellations.
    private const string DefaultMix =
        "purchase=40,visit=25,email_open=8,email_click=5,call=4,chat=4,refund=3,survey=3,profile_update=3,complaint_opened=2,complaint_resolved=2,cancellation=1";

    private readonly EventKind[] _kinds;
    private readonly double[] _cumulative;

    private EventMix(string text, IReadOnlyList<(EventKind Kind, double Weight)> weights)
    {
        Text = text;
        _kinds = [.. weights.Select(w => w.Kind)];
        var total = TotalWeight = weights.Sum(w => w.Weight);
        var running = 0.0;
        _cumulative = [.. weights.Select(w => running += w.Weight / total)];
        _cumulative[^1] = 1.0;
    }

    /// <summary>The weights added up: a rate, when the weights are rates.</summary>
    public double TotalWeight { get; }

    /// <summary>The mix as given on the command line (expanded for <c>default</c>).</summary>
    public string Text { get; }

    public static EventMix Parse(string text)
    {
        var spec = string.Equals(text, "default", StringComparison.OrdinalIgnoreCase) ? DefaultMix : text;
        var weights = new List<(EventKind, double)>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !Names.TryGetValue(pair[0], out var kind)
                || !double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !(weight >= 0))
            {
                throw new FormatException($"--mix: '{part}' is not type=weight with a type among {string.Join(", ", Names.Keys)}");
            }
            weights.Add((kind, weight));
        }
        if (weights.Sum(w => w.Item2) <= 0) throw new FormatException("--mix: the weights add up to nothing");
        return new EventMix(spec, weights);
    }

    /// <summary>A mix from relative weights, for callers that compute them (a type weighing nothing is left out).</summary>
    public static EventMix Of(IEnumerable<(EventKind Kind, double Weight)> weights)
    {
        var kept = weights.Where(w => w.Weight > 0).ToList();
        if (kept.Count == 0) throw new ArgumentException("The weights add up to nothing.", nameof(weights));
        return new EventMix(string.Join(',', kept.Select(w => string.Create(CultureInfo.InvariantCulture, $"{WireName(w.Kind)}={w.Weight:0.######}"))), kept);
    }

    /// <summary>The type's wire name: <c>email_open</c> for <see cref="EventKind.EmailOpen"/>.</summary>
    public static string WireName(EventKind kind) => JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());

    public EventKind Next(Random random)
    {
        var u = random.NextDouble();
        for (var i = 0; i < _cumulative.Length; i++)
        {
            if (u < _cumulative[i]) return _kinds[i];
        }
        return _kinds[^1];
    }
}
