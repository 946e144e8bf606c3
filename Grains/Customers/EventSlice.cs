using Engagement.Contracts.Customers;

namespace Engagement.Grains.Customers;

/// <summary>
/// A customer's slice of a batch on its way through the journal. The first event of an id counts and a later one
/// with the same id is a duplicate; so is a distinct event the journal says it already had. Duplicates are
/// reported by their position in the slice as it was sent, which is what the gateway's ack names.
/// </summary>
public sealed class EventSlice
{
    private readonly int _count;
    private readonly List<CustomerEvent> _distinct;
    // The position in the slice of each distinct event.
    private readonly List<int> _positions;
    private List<int>? _duplicated;
    private int? _accepted;

    public EventSlice(IReadOnlyList<CustomerEvent> events)
    {
        _count = events.Count;
        _distinct = new List<CustomerEvent>(events.Count);
        _positions = new List<int>(events.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            if (seen.Add(events[i].EventId))
            {
                _distinct.Add(events[i]);
                _positions.Add(i);
            }
            else
            {
                (_duplicated ??= []).Add(i);
            }
        }
    }

    /// <summary>The events with distinct ids, in slice order: what goes to the journal.</summary>
    public IReadOnlyList<CustomerEvent> Distinct => _distinct;

    /// <summary>
    /// Takes the journal's answer for each of <see cref="Distinct"/> (whether it was new) and returns the indices
    /// into <see cref="Distinct"/> of the events to apply, in journal order; the others count as duplicates.
    /// </summary>
    public IReadOnlyList<int> Fresh(IReadOnlyList<bool> fresh)
    {
        if (fresh.Count != _distinct.Count)
        {
            throw new ArgumentException($"The journal answered for {fresh.Count} entries, not the {_distinct.Count} appended.", nameof(fresh));
        }
        if (_accepted is not null) throw new InvalidOperationException("The journal's answer was taken already.");
        var applied = new List<int>(fresh.Count);
        for (var i = 0; i < fresh.Count; i++)
        {
            if (fresh[i]) applied.Add(i);
            else (_duplicated ??= []).Add(_positions[i]);
        }
        _accepted = applied.Count;
        return applied;
    }

    /// <summary>What became of the slice, duplicates by position in ascending order (null when there are none).</summary>
    public ApplyResult Result()
    {
        var accepted = _accepted ?? throw new InvalidOperationException("The journal's answer has not been taken.");
        _duplicated?.Sort();
        return new ApplyResult(accepted, _count - accepted, _duplicated);
    }
}
