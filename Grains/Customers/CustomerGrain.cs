using Engagement.Contracts.Customers;
using Engagement.Grains.Hosting;
using Engagement.Grains.Storage;
using Engagement.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace Engagement.Grains.Customers;

/// <summary>
/// One customer. An event is applied only after the journal has it durably, so the in-memory state
/// never runs ahead of the store; the checkpoint (Orleans grain storage) trails behind and is caught up
/// from the journal on activation.
/// </summary>
public sealed partial class CustomerGrain(
    [PersistentState("customer", StorageNames.Customers)] IPersistentState<CustomerState> checkpoint,
    IEventJournal journal,
    IOptions<EngagementOptions> options,
    PurchaseCalendar calendar,
    TimeProvider clock,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    private readonly ObserverManager<ICustomerObserver> _watchers = new(options.Value.Push.WatchExpiry, logger)
    {
        GetDateTime = () => clock.GetUtcNow().UtcDateTime,
    };
    private long _checkpointedVersion;
    private int _unsavedEvents;
    private IGrainTimer? _checkpointTimer;

    private CustomerState State => checkpoint.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var customerId = this.GetPrimaryKeyString();
        _checkpointedVersion = State.Version;
        var missed = await journal.ReadAsync(customerId, State.Version, cancellationToken);
        foreach (var entry in missed)
        {
            State.Apply(entry.Seq, EventCodec.FromEntry(entry), entry.RecordedAt, calendar);
        }
        _unsavedEvents = missed.Count;
        if (missed.Count > 0) LogCaughtUp(logger, customerId, missed.Count, State.Version);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (State.Version != _checkpointedVersion && reason.ReasonCode != DeactivationReasonCode.ApplicationError)
        {
            await SaveCheckpointAsync();
        }
    }

    public async Task<ApplyResult> Apply(IReadOnlyList<CustomerEvent> events)
    {
        var customerId = this.GetPrimaryKeyString();
        var recordedAt = clock.GetUtcNow();

        // The same id twice within one slice: the first one counts, the rest are duplicates.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<CustomerEvent>(events.Count);
        foreach (var @event in events)
        {
            if (seen.Add(@event.EventId)) candidates.Add(@event);
        }

        var entries = new JournalEntry[candidates.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = EventCodec.ToEntry(candidates[i], State.Version + i + 1, recordedAt);
        }

        bool[] fresh;
        try
        {
            fresh = await journal.AppendAsync(customerId, entries);
        }
        catch (Exception ex)
        {
            // The commit may have landed even though we saw it fail. Start over from the store rather
            // than guess: the next activation replays whatever the journal really holds.
            LogAppendFailed(logger, ex, customerId);
            DeactivateOnIdle();
            throw;
        }

        var accepted = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            if (!fresh[i]) continue;
            State.Apply(entries[i].Seq, candidates[i], recordedAt, calendar);
            accepted++;
        }

        if (accepted > 0)
        {
            _unsavedEvents += accepted;
            await CheckpointIfDueAsync();
            if (_watchers.Count > 0)
            {
                var card = State.ToCard(customerId);
                await _watchers.Notify(w => w.OnCardChanged(card));
            }
        }
        return new ApplyResult(accepted, events.Count - accepted);
    }

    public Task<CustomerCard?> GetCard() =>
        Task.FromResult(State.Exists ? State.ToCard(this.GetPrimaryKeyString()) : null);

    public async Task<CustomerCard?> Watch(ICustomerObserver observer)
    {
        _watchers.Subscribe(observer, observer);
        return await GetCard();
    }

    public Task Unwatch(ICustomerObserver observer)
    {
        _watchers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private async Task CheckpointIfDueAsync()
    {
        if (_unsavedEvents >= options.Value.Checkpoint.EveryEvents)
        {
            await SaveCheckpointAsync();
            return;
        }
        // Bound how much a re-activation must replay even for a customer that goes quiet.
        _checkpointTimer ??= this.RegisterGrainTimer(
            async _ =>
            {
                if (State.Version != _checkpointedVersion) await SaveCheckpointAsync();
            },
            new GrainTimerCreationOptions(options.Value.Checkpoint.MaxDelay, options.Value.Checkpoint.MaxDelay) { KeepAlive = false });
    }

    private async Task SaveCheckpointAsync()
    {
        await checkpoint.WriteStateAsync();
        _checkpointedVersion = State.Version;
        _unsavedEvents = 0;
        _watchers.ClearExpired();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Customer {CustomerId} caught up {Count} journal entries to version {Version}")]
    private static partial void LogCaughtUp(ILogger logger, string customerId, int count, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal append failed for customer {CustomerId}; the grain will reload from the store")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string customerId);
}

public static class StorageNames
{
    /// <summary>The grain storage provider that holds customer checkpoints.</summary>
    public const string Customers = "customers";
}
