using Engagement.Contracts.Alerts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Alerts;

/// <summary>
/// The open alerts as the store holds them, for the <c>engagement.alerts.open</c> gauge of a gateway. A count is
/// a query over every unresolved alert, so it runs only when the gauge is read (a scrape or an export) and its
/// answer is kept for <paramref name="maxAge"/>: a gateway nobody scrapes never counts, and a scrape storm counts once.
/// </summary>
/// <remarks>
/// Not an up-down counter kept by the silos: a silo that restarts, or joins, knows nothing of the alerts opened
/// before it; the store does.
/// </remarks>
public sealed partial class OpenAlertCensus(IGrainFactory grains, TimeProvider machineClock, TimeSpan maxAge, ILogger<OpenAlertCensus> logger)
    : IHostedService
{
    /// <summary>How long a read waits for a count before it gives the previous one.</summary>
    private static readonly TimeSpan CountWait = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private IReadOnlyList<OpenAlertCount> _counts = [];
    private DateTimeOffset? _countedAt;
    private Task? _counting;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        AlertMetrics.Censuses.Add(this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        AlertMetrics.Censuses.Remove(this);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The latest counts, counted again first when they are older than the maximum age. Synchronous, because the
    /// gauge's callback is: it waits a bounded time for the count and otherwise answers with the previous one.
    /// </summary>
    public IReadOnlyList<OpenAlertCount> Read()
    {
        Task counting;
        lock (_lock)
        {
            if (_countedAt is { } at && machineClock.GetUtcNow() - at < maxAge) return _counts;
            // Run off this thread, so that the count never completes inside the lock.
            counting = _counting ??= Task.Run(CountAsync);
        }
        counting.Wait(CountWait);
        lock (_lock) return _counts;
    }

    private async Task CountAsync()
    {
        try
        {
            var counts = await grains.GetGrain<IAlertQueryGrain>(0).OpenCounts().WaitAsync(CountWait * 2);
            lock (_lock) (_counts, _countedAt) = (counts, machineClock.GetUtcNow());
        }
        catch (Exception ex)
        {
            LogCountFailed(logger, ex);
        }
        finally
        {
            lock (_lock) _counting = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting the open alerts failed; the gauge shows the previous count until the next read")]
    private static partial void LogCountFailed(ILogger logger, Exception exception);
}
