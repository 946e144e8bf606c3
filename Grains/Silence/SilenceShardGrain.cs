using Engagement.Contracts.Customers;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Silence;

/// <summary>
/// Polls one range of digest buckets for customers whose due time has passed (business clock) and asks
/// each to check itself. A customer's due time moves with every change of it (the digest is rewritten),
/// so a new purchase postpones its warning without anything to cancel here.
/// </summary>
public sealed partial class SilenceShardGrain(
    IPopulationStore store,
    IOptions<EngagementOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    ILogger<SilenceShardGrain> logger) : Grain, ISilenceShardGrain, IRemindable
{
    private const string KeepAlive = "silence";
    private IGrainTimer? _poll;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The reminder brings the shard back after a restart or a silo failure; the timer does the polling.
        await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), cancellationToken);
        var interval = options.Value.Silence.PollInterval;
        _poll = this.RegisterGrainTimer(PollAsync, new GrainTimerCreationOptions(interval, interval) { KeepAlive = true });
    }

    public Task Start() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var silence = options.Value.Silence;
        var shard = (int)this.GetPrimaryKeyLong();
        try
        {
            var due = await store.DueAsync(shard * CustomerDigest.Buckets / silence.Shards, (shard + 1) * CustomerDigest.Buckets / silence.Shards,
                businessClock.GetUtcNow(), silence.BatchSize, cancellationToken);
            foreach (var chunk in due.Chunk(64))
            {
                await Task.WhenAll(chunk.Select(customer => GrainFactory.GetGrain<ICustomerGrain>(customer.CustomerId).CheckSilence()));
                // Lateness as of the checks' completion: the poll interval, queueing behind earlier chunks, the check itself.
                var checkedAt = businessClock.GetUtcNow();
                foreach (var customer in chunk) SilenceMetrics.RecordCheck(customer.DueAt, checkedAt);
            }
            // Their new due times are queued with the journal; make sure they are written before the next poll.
            if (due.Count > 0) await store.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPollFailed(logger, ex, shard);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silence shard {Shard} failed to poll; it tries again at the next tick")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, int shard);
}

/// <summary>Starts every silence shard once the silo runs (each silo does; starting is idempotent).</summary>
public sealed partial class SilenceScheduler(IGrainFactory grains, IOptions<EngagementOptions> options, TimeProvider machineClock, ILogger<SilenceScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var shards = options.Value.Silence.Shards;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAll(Enumerable.Range(0, shards).Select(k => grains.GetGrain<ISilenceShardGrain>(k).Start())).WaitAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The silo may still be joining the cluster.
                LogStartFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), machineClock, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Starting the silence shards failed; retrying")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);
}
