namespace Engagement.Contracts.Population;

/// <summary>
/// How customers moved between stages and tiers in the last hour (business clock), per-minute buckets in
/// memory, with the current stage × tier grid (counted from the customers' digests by the population shards,
/// at most once per <c>Engagement:Population:CellsRefresh</c>). Each silo counts its customers' transitions
/// as they happen and reports here once a second, so a transition costs no call of its own.
/// </summary>
public interface IPopulationFlowGrain : IGrainWithIntegerKey
{
    Task Report(IReadOnlyList<FlowCount> moves);

    Task<PopulationFlow> Flow();
}

public enum FlowDimension { Stage, Tier }

/// <summary>Customers who moved <see cref="From"/> → <see cref="To"/> on one dimension in the minute starting at <see cref="Minute"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record FlowCount(
    [property: Id(0)] DateTimeOffset Minute,
    [property: Id(1)] FlowDimension Dimension,
    [property: Id(2)] string From,
    [property: Id(3)] string To,
    [property: Id(4)] long Count);

[GenerateSerializer, Immutable]
public sealed record FlowMove([property: Id(0)] string From, [property: Id(1)] string To, [property: Id(2)] long Count);

[GenerateSerializer, Immutable]
public sealed record FlowCell([property: Id(0)] string Stage, [property: Id(1)] string Tier, [property: Id(2)] long Count);

/// <summary>
/// The moves between <see cref="Since"/> and <see cref="AsOf"/>, largest first, and the customers by stage × tier
/// as counted at <see cref="CellsAsOf"/> (business clock).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PopulationFlow(
    [property: Id(0)] DateTimeOffset Since,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] IReadOnlyList<FlowMove> StageMoves,
    [property: Id(3)] IReadOnlyList<FlowMove> TierMoves,
    [property: Id(4)] IReadOnlyList<FlowCell> Cells,
    [property: Id(5)] DateTimeOffset CellsAsOf);
