using Engagement.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Changes;

/// <summary>
/// The silo's part of the change feed: copies alert changes into the feed as they are committed (<see cref="AlertChangeRelay"/>),
/// and deletes changes older than <see cref="ChangeFeedOptions.Retention"/>. Both are background work off the ingest path.
/// </summary>
public sealed partial class ChangeFeedMaintenance(AlertChangeRelay relay, IChangeFeed feed, IOptions<ChangeFeedOptions> options, TimeProvider clock,
    ILogger<ChangeFeedMaintenance> logger) : BackgroundService
{
    private const int DeletesPerStatement = 10_000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(RelayAsync(stoppingToken), CleanAsync(stoppingToken));

    private async Task RelayAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = feed.Signal.Next;
            try
            {
                if (await relay.RelayAsync(settings.PageSize, stoppingToken) == settings.PageSize) continue;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRelayFailed(logger, ex);
            }
            await ChangeSignal.WaitAsync(next, settings.PollInterval, stoppingToken);
        }
    }

    private async Task CleanAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.CleanupInterval, clock);
        while (await WaitForTickAsync(timer, stoppingToken))
        {
            try
            {
                var cutoff = clock.GetUtcNow() - settings.Retention;
                int deleted;
                do
                {
                    deleted = await feed.DeleteBeforeAsync(cutoff, DeletesPerStatement, stoppingToken);
                    if (deleted > 0) LogDeleted(logger, deleted, cutoff);
                }
                while (deleted > 0);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogCleanupFailed(logger, ex);
            }
        }
    }

    private static async Task<bool> WaitForTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copying alert changes into the change feed failed; trying again")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change feed's retention cleanup failed; trying again at the next interval")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} changes committed before {Cutoff} from the change feed")]
    private static partial void LogDeleted(ILogger logger, int count, DateTimeOffset cutoff);
}
