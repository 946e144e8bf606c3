using System.Text.Json;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Retention;

/// <summary>
/// The silo's retention job (issue 17), every <see cref="RetentionOptions.Interval"/>: compacts each customer's journal
/// behind its checkpoint (<see cref="JournalCompaction"/>) and deletes the resolved alert history past its horizon
/// (<see cref="AlertHistoryRetention"/>). Horizons are measured on the business clock, which stamps the journal's
/// recorded-at times; the interval and the throttle run on the machine clock.
/// </summary>
public sealed partial class RetentionService(
    JournalCompaction journal,
    AlertHistoryRetention alertHistory,
    IOptions<RetentionOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    TimeProvider machineClock,
    ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>The grain state name of the customers' checkpoints (<c>CustomerGrain</c>'s).</summary>
    internal const string CheckpointStateName = "customer";

    private const int CheckpointPage = 500;

    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>One pass over the journal and the alert history, as of the business clock's now; one pass at a time.</summary>
    public async Task<RetentionRun> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var now = businessClock.GetUtcNow();
            var (customers, entries) = await CompactJournalAsync(now, cancellationToken);
            var alerts = await DeleteAlertHistoryAsync(now, cancellationToken);
            var run = new RetentionRun(customers, entries, alerts);
            if (entries > 0 || alerts > 0) LogRun(logger, entries, customers, alerts);
            return run;
        }
        finally
        {
            _running.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return;
        using var timer = new PeriodicTimer(settings.Interval, machineClock);
        while (await WaitForTickAsync(timer, stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRunFailed(logger, ex);
            }
        }
    }

    private async Task<(int Customers, long Entries)> CompactJournalAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = now - settings.JournalHorizon;
        var (customers, entries) = (0, 0L);
        var after = "";
        while (true)
        {
            var page = await journal.CheckpointsAsync(CheckpointStateName, after, CheckpointPage, cancellationToken);
            foreach (var stored in page)
            {
                after = stored.Key;
                // Fewer events than the window: nothing of this customer can be outside it (a cheap test before any journal read).
                if (Coverage(stored) is not { } coverage || coverage.EventCount <= settings.DedupWindowEvents) continue;
                var deleted = await journal.CompactAsync(coverage.CustomerId, coverage.LastSeq, cutoff, settings.DedupWindowEvents, settings.BatchSize,
                    now, cancellationToken);
                if (deleted == 0) continue;
                customers++;
                entries += deleted;
                await PauseAsync(cancellationToken);
            }
            if (page.Count < CheckpointPage) return (customers, entries);
            await PauseAsync(cancellationToken);
        }
    }

    private async Task<int> DeleteAlertHistoryAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = now - settings.AlertHistoryHorizon;
        var deleted = 0;
        for (var cursor = AlertRetentionCursor.Start; cursor is not null;)
        {
            var step = await alertHistory.DeleteResolvedBeforeAsync(cutoff, cursor, settings.BatchSize, cancellationToken);
            deleted += step.Deleted;
            cursor = step.Next;
            if (cursor is not null) await PauseAsync(cancellationToken);
        }
        return deleted;
    }

    /// <summary>What a stored checkpoint covers; null for one that cannot be read (left alone, and logged).</summary>
    private CheckpointCoverage? Coverage(StoredCheckpoint stored)
    {
        try
        {
            var grain = GrainId.Parse(stored.Key[(CheckpointStateName.Length + 1)..]);
            var covered = JsonSerializer.Deserialize<CheckpointCoverage>(stored.Payload, JsonSerializerOptions.Web);
            return covered is null ? null : covered with { CustomerId = grain.Key.ToString()! };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            LogUnreadableCheckpoint(logger, ex, stored.Key);
            return null;
        }
    }

    private Task PauseAsync(CancellationToken cancellationToken) =>
        options.Value.PauseBetweenBatches <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(options.Value.PauseBetweenBatches, machineClock, cancellationToken);

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

    public override void Dispose()
    {
        _running.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// What a customer checkpoint says of the journal: the entries up to <see cref="LastSeq"/> are in it, and how many events
    /// it has applied. The names are <c>CustomerState</c>'s (a test keeps them in step).
    /// </summary>
    internal sealed record CheckpointCoverage(long LastSeq, long EventCount)
    {
        public string CustomerId { get; init; } = "";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {Entries} journal entries of {Customers} customers and {Alerts} resolved alerts")]
    private static partial void LogRun(ILogger logger, long entries, int customers, int alerts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention job failed; it runs again at the next interval")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The checkpoint {Key} cannot be read; its journal is not compacted")]
    private static partial void LogUnreadableCheckpoint(ILogger logger, Exception exception, string key);
}

/// <summary>What one retention pass deleted: journal entries (of how many customers) and resolved alerts.</summary>
public sealed record RetentionRun(int CustomersCompacted, long JournalEntries, int Alerts);

public static class RetentionExtensions
{
    /// <summary>The retention job of a silo, its validated options and its stores.</summary>
    internal static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var databases = sp.GetRequiredService<StoreDatabases>();
            return new JournalCompaction(databases.Journal, databases.GrainState);
        });
        services.AddSingleton(sp => new AlertHistoryRetention(sp.GetRequiredService<StoreDatabases>().GrainState));
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return services;
    }
}
