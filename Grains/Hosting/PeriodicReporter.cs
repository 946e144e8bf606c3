using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Hosting;

/// <summary>
/// Counts gathered in memory on the hot path, sent to a grain once per interval: the cost per event stays a
/// few in-process operations, and the grain gets one call per process and interval, not one per event.
/// A report that cannot be delivered is dropped (what is reported this way is a live gauge) and logged.
/// </summary>
public abstract partial class PeriodicReporter<TReport>(TimeProvider machineClock, ILogger logger) : BackgroundService where TReport : class
{
    /// <summary>The system machineClock the reports run on (and gatherers may time their buckets by).</summary>
    protected TimeProvider Clock { get; } = machineClock;

    /// <summary>What was gathered since the last report, now cleared; null when there is nothing.</summary>
    protected abstract TReport? Take();

    protected abstract Task SendAsync(TReport report, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PeriodicReports.Interval, Clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Take() is not { } report) continue;
            try
            {
                await SendAsync(report, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReportFailed(logger, ex, GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reporter} could not deliver its report; it is dropped")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string reporter);
}

public static class PeriodicReports
{
    /// <summary>How often in-memory counts are reported: live gauges lag by about this much.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);
}
