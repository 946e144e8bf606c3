using System.Threading.Channels;
using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Alerts;

/// <summary>
/// Group commit for alert changes, and their publication in the same groups. The alert grains of a silo queue
/// their changes here; the <see cref="GroupCommitWriter{TWrite,TResult}"/> loop, outside the grains' turns,
/// stores everything queued in one transaction (one fsync for hundreds of alerts when many customers fall due
/// at once) and answers each grain with its sequence number; a second loop publishes each committed group to
/// the <see cref="IAlertFeedGrain"/> as one message, in commit order.
/// </summary>
/// <remarks>
/// The grain awaits the commit, not the publication: a change is answered once durable, and a gateway that
/// misses a publication catches up from the store by sequence number when it renews its subscription.
/// </remarks>
public sealed partial class AlertWriter : GroupCommitWriter<Alert, Alert>
{
    /// <summary>The most changes in one transaction (and one publication).</summary>
    public const int MaxChangesPerCommit = 1_000;

    private readonly Channel<IReadOnlyList<Alert>> _committed = Channel.CreateUnbounded<IReadOnlyList<Alert>>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });
    private readonly IAlertStore _store;
    private readonly IGrainFactory _grains;
    private readonly ILogger<AlertWriter> _logger;
    private readonly Lazy<Task> _publisher;

    public AlertWriter(IAlertStore store, IGrainFactory grains, ILogger<AlertWriter> logger)
        : base(MaxChangesPerCommit, logger)
    {
        _store = store;
        _grains = grains;
        _logger = logger;
        _publisher = new Lazy<Task>(() => Task.Run(PublishLoopAsync));
    }

    /// <summary>Stores the change with the next commit and returns it with its sequence number once durable.</summary>
    public Task<Alert> SaveAsync(Alert alert) => EnqueueAsync(alert, CancellationToken.None);

    protected override async Task<Alert[]> CommitGroupAsync(IReadOnlyList<Alert> group, CancellationToken cancellationToken)
    {
        var stored = await _store.SaveAsync(group, cancellationToken).ConfigureAwait(false);
        // The writer loop is the one writer of this channel, so groups are published in commit order.
        _committed.Writer.TryWrite(stored);
        _ = _publisher.Value;
        return [.. stored];
    }

    protected override void OnCommitted(int writes, int weight, TimeSpan duration) => AlertMetrics.RecordCommit(writes, duration);

    private async Task PublishLoopAsync()
    {
        var feed = _grains.GetGrain<IAlertFeedGrain>(0);
        await foreach (var changes in _committed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                // Awaited, so that the feed hears the groups in commit order.
                await feed.Publish(changes).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogPublishFailed(_logger, ex, changes.Count, changes[0].Sequence);
            }
        }
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        // The base has committed everything queued by now: publish what is left, then stop.
        _committed.Writer.TryComplete();
        if (_publisher.IsValueCreated) await _publisher.Value.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await base.DisposeCoreAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Changes} alert changes from sequence {Sequence} failed; gateways catch up from the store when they renew")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int changes, long sequence);
}
