using Engagement.Contracts.Population;
using Engagement.Model;
using Orleans.Concurrency;

namespace Engagement.Grains.Population;

// Silo-internal grain interfaces: they exchange the model's own types, which cross silos as JSON (registered
// on the silo in EngagementHosting), so they stay out of Contracts, which clients load.

/// <summary>The population coordinator (key 0) as the silo reads it: the model's full statistics, for evaluations.</summary>
public interface IPopulationStatisticsGrain : IGrainWithIntegerKey
{
    /// <summary>The statistics in force (version 0 before the first fit); answered even while a refit runs.</summary>
    [AlwaysInterleave]
    Task<PopulationStatistics> Statistics();
}

/// <summary>One slice of the population: reads its customers' digests from the store and samples them.</summary>
public interface IPopulationShardGrain : IGrainWithIntegerKey
{
    Task<PopulationSample> Sample(DateTimeOffset asOf, int shards);

    /// <summary>Its customers by stage × tier, as their digests say now.</summary>
    Task<IReadOnlyList<FlowCell>> Cells(int shards);
}

/// <summary>
/// A customer as the population sweep sees it (the customer grain): re-evaluate against statistics at least as new as
/// <c>statisticsVersion</c> and the rules in force (with stored segments at least as new as <c>segmentsRevision</c>), and
/// write the digest, so that changed traits reach the feed.
/// </summary>
public interface ICustomerSweepTarget : IGrainWithStringKey
{
    Task Refresh(long statisticsVersion, long segmentsRevision);
}
