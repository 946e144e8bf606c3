using Orleans.Concurrency;

namespace Engagement.Contracts.Population;

/// <summary>
/// The population's statistics (RFM cut points, ABC thresholds, fitted BG/NBD and Gamma-Gamma
/// parameters, counts by stage and tier): one coordinator, key 0, that merges the samples of the shards.
/// </summary>
public interface IPopulationGrain : IGrainWithIntegerKey
{
    /// <summary>Refits from every customer's digest, as of <paramref name="asOf"/> (now when null); returns the new statistics.</summary>
    Task<PopulationSnapshot> Refit(DateTimeOffset? asOf);

    /// <summary>The statistics in force (version 0 before the first fit); answered even while a refit runs.</summary>
    [AlwaysInterleave]
    Task<PopulationSnapshot> Current();
}
