using Engagement.Grains.Hosting;
using Engagement.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Population;

/// <summary>
/// This silo's copy of the population statistics, so that a customer grain reads them without a call
/// per event. It asks the coordinator for the version in force every
/// <see cref="PopulationOptions.CacheRefresh"/>, and takes a new version at once when a refit runs here.
/// </summary>
public sealed partial class PopulationCache(IGrainFactory grains, IOptions<EngagementOptions> options, TimeProvider machineClock, ILogger<PopulationCache> logger)
    : BackgroundService
{
    private volatile PopulationStatistics _current = PopulationStatistics.Empty;

    public PopulationStatistics Current => _current;

    /// <summary>Takes statistics if they are newer than the ones held.</summary>
    public void Offer(PopulationStatistics statistics)
    {
        var held = _current;
        while (statistics.Version > held.Version)
        {
            var seen = Interlocked.CompareExchange(ref _current, statistics, held);
            if (ReferenceEquals(seen, held)) return;
            held = seen;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Population.CacheRefresh, machineClock);
        do
        {
            try
            {
                Offer(await grains.GetGrain<IPopulationStatisticsGrain>(0).Statistics().WaitAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The silo may still be starting, or the coordinator moving; the next tick tries again.
                LogRefreshFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading the population statistics failed; retrying at the next refresh")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
