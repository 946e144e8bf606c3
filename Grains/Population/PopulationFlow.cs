using Engagement.Contracts.Population;
using Engagement.Grains.Hosting;
using Engagement.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Population;

/// <summary>
/// This silo's stage and tier transitions since its last report, by business-clock minute. Customer grains
/// record their decision-log changes here (in memory, no call); once a second they go to the flow grain.
/// </summary>
public sealed class PopulationFlowRecorder(IGrainFactory grains, TimeProvider machineClock, ILogger<PopulationFlowRecorder> logger)
    : PeriodicReporter<IReadOnlyList<FlowCount>>(machineClock, logger)
{
    private readonly Lock _gate = new();
    private Dictionary<(DateTimeOffset Minute, FlowDimension Dimension, string From, string To), long> _moves = [];

    /// <summary>
    /// Counts the changes of one evaluation in the minute it was made (<paramref name="decidedAt"/>, business clock):
    /// the flow shows what the engine decided in the last hour, while each decision-log entry keeps the time of the
    /// events that caused it (a replay of last year decides now about last year).
    /// </summary>
    public void Record(IReadOnlyList<DecisionLogEntry> changes, DateTimeOffset decidedAt)
    {
        if (changes.Count == 0) return;
        lock (_gate)
        {
            foreach (var change in changes) Count(change, decidedAt);
        }
    }

    /// <summary>Counts one stage or tier change under the gate; other decisions are not moves.</summary>
    private void Count(DecisionLogEntry change, DateTimeOffset decidedAt)
    {
        FlowDimension? dimension = change.Kind switch
        {
            DecisionKind.Stage => FlowDimension.Stage,
            DecisionKind.Tier => FlowDimension.Tier,
            _ => null,
        };
        if (dimension is not { } d) return;
        PopulationMetrics.RecordMove(d, change.From, change.To);
        var key = (PopulationFlowGrain.MinuteOf(decidedAt), d, change.From, change.To);
        _moves[key] = _moves.GetValueOrDefault(key) + 1;
    }

    protected override IReadOnlyList<FlowCount>? Take()
    {
        Dictionary<(DateTimeOffset Minute, FlowDimension Dimension, string From, string To), long> moves;
        lock (_gate)
        {
            if (_moves.Count == 0) return null;
            (moves, _moves) = (_moves, []);
        }
        return [.. moves.Select(m => new FlowCount(m.Key.Minute, m.Key.Dimension, m.Key.From, m.Key.To, m.Value))];
    }

    protected override Task SendAsync(IReadOnlyList<FlowCount> report, CancellationToken cancellationToken) =>
        grains.GetGrain<IPopulationFlowGrain>(0).Report(report).WaitAsync(cancellationToken);
}

/// <summary>
/// The moves of the last hour (business clock) in per-minute buckets, in memory, merged from every silo; and the
/// stage × tier grid, counted by the population shards from the digests when the last count is older than
/// <see cref="PopulationOptions.CellsRefresh"/> (system clock), so that a board polling every second costs one
/// scan of the digests per refresh, not per poll.
/// </summary>
public sealed class PopulationFlowGrain(
    IOptions<EngagementOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    TimeProvider machineClock) : Grain, IPopulationFlowGrain
{
    public static TimeSpan Window { get; } = TimeSpan.FromHours(1);

    private readonly Dictionary<(DateTimeOffset Minute, FlowDimension Dimension, string From, string To), long> _moves = [];
    private IReadOnlyList<FlowCell> _cells = [];
    private DateTimeOffset _cellsAsOf;
    private DateTimeOffset? _cellsCountedAt;

    public static DateTimeOffset MinuteOf(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    public Task Report(IReadOnlyList<FlowCount> moves)
    {
        var oldest = MinuteOf(businessClock.GetUtcNow() - Window);
        foreach (var stale in _moves.Keys.Where(k => k.Minute < oldest).ToList()) _moves.Remove(stale);
        foreach (var move in moves.Where(m => m.Minute >= oldest))
        {
            var key = (move.Minute, move.Dimension, move.From, move.To);
            _moves[key] = _moves.GetValueOrDefault(key) + move.Count;
        }
        return Task.CompletedTask;
    }

    public async Task<PopulationFlow> Flow()
    {
        await RefreshCellsAsync();
        var now = businessClock.GetUtcNow();
        var since = now - Window;
        var first = MinuteOf(since);
        var recent = _moves.Where(m => m.Key.Minute >= first).ToList();
        IReadOnlyList<FlowMove> Moves(FlowDimension dimension) =>
        [
            .. recent.Where(m => m.Key.Dimension == dimension)
                .GroupBy(m => (m.Key.From, m.Key.To), m => m.Value)
                .Select(g => new FlowMove(g.Key.From, g.Key.To, g.Sum()))
                .OrderByDescending(m => m.Count).ThenBy(m => m.From, StringComparer.Ordinal).ThenBy(m => m.To, StringComparer.Ordinal),
        ];
        return new PopulationFlow(since, now, Moves(FlowDimension.Stage), Moves(FlowDimension.Tier), _cells, _cellsAsOf);
    }

    private async Task RefreshCellsAsync()
    {
        var countedAt = machineClock.GetUtcNow();
        if (_cellsCountedAt is { } last && countedAt - last < options.Value.Population.CellsRefresh) return;
        var asOf = businessClock.GetUtcNow();
        var shards = options.Value.Population.Shards;
        var counts = await Task.WhenAll(Enumerable.Range(0, shards).Select(k => GrainFactory.GetGrain<IPopulationShardGrain>(k).Cells(shards)));
        _cells =
        [
            .. counts.SelectMany(c => c).GroupBy(c => (c.Stage, c.Tier))
                .Select(g => new FlowCell(g.Key.Stage, g.Key.Tier, g.Sum(c => c.Count)))
                .OrderBy(c => c.Stage, StringComparer.Ordinal).ThenBy(c => c.Tier, StringComparer.Ordinal),
        ];
        (_cellsAsOf, _cellsCountedAt) = (asOf, countedAt);
    }
}
