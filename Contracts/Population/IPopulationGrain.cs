using Engagement.Model;
using Orleans.Concurrency;

namespace Engagement.Contracts.Population;

/// <summary>
/// The population's statistics (RFM cut points, ABC thresholds, fitted BG/NBD and Gamma-Gamma
/// parameters, counts by stage and tier): one coordinator, key 0, that merges the samples of the shards.
/// </summary>
public interface IPopulationGrain : IGrainWithIntegerKey
{
    /// <summary>Refits from every customer's digest, as of <paramref name="asOf"/> (now when null); returns the new statistics.</summary>
    Task<PopulationStatistics> Refit(DateTimeOffset? asOf);

    /// <summary>The statistics in force (version 0 before the first fit); answered even while a refit runs.</summary>
    [AlwaysInterleave]
    Task<PopulationStatistics> Current();
}

/// <summary>One slice of the population: reads its customers' digests from the store and samples them.</summary>
public interface IPopulationShardGrain : IGrainWithIntegerKey
{
    Task<PopulationSample> Sample(DateTimeOffset asOf, int shards);

    /// <summary>Its customers by stage × tier, as their digests say now.</summary>
    Task<IReadOnlyList<FlowCell>> Cells(int shards);
}
