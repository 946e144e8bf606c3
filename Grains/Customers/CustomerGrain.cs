using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Grains.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Grains.Population;
using Engagement.Grains.Rules;
using Engagement.Storage;
using Engagement.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace Engagement.Grains.Customers;

/// <summary>
/// One customer. An event is applied only after the journal has it durably, so the in-memory state
/// never runs ahead of the store; the checkpoint (Orleans grain storage) trails behind and is caught up
/// from the journal on activation. The arithmetic is the customer model's; this grain orchestrates.
/// </summary>
public sealed partial class CustomerGrain(
    [PersistentState("customer", StorageNames.Customers)] IPersistentState<CustomerState> checkpoint,
    IEventJournal journal,
    RulesMonitor rules,
    PopulationCache population,
    PopulationFlowRecorder flow,
    IOptions<EngagementOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider clock,
    TimeProvider runtimeClock,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    // Made when someone first watches: most customers are never watched while active, and a million idle
    // observer managers would cost 200 bytes each.
    private ObserverManager<ICustomerObserver>? _watchers;
    private long _checkpointedVersion;
    private int _unsavedEvents;
    private IGrainTimer? _checkpointTimer;

    private CustomerState State => checkpoint.State;

    private string CustomerId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var customerId = CustomerId;
        State.Model.CustomerId = customerId;
        _checkpointedVersion = State.Version;
        var missed = await journal.ReadAsync(customerId, State.LastSeq, cancellationToken);
        var current = rules.Current;
        foreach (var entry in missed)
        {
            State.Apply(entry.Seq, EventCodec.FromEntry(entry), entry.RecordedAt, current);
        }
        _unsavedEvents = missed.Count;
        if (missed.Count > 0)
        {
            // The digest written after these events may have been lost with the process that wrote them.
            RecordDigest(EvaluateSafely(current).Traits, current);
            LogCaughtUp(logger, customerId, missed.Count, State.LastSeq);
        }
        // A change of contacts that did not reach the index before the process stopped gets there now.
        await IndexContactsAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (State.Version != _checkpointedVersion && reason.ReasonCode != DeactivationReasonCode.ApplicationError)
        {
            // The last chance: a failure here is logged by Orleans, and the next activation replays the journal.
            await checkpoint.WriteStateAsync(CancellationToken.None);
        }
    }

    public async Task<ApplyResult> Apply(IReadOnlyList<CustomerEvent> events)
    {
        var customerId = CustomerId;
        var recordedAt = clock.GetUtcNow();

        // The same id twice within one slice: the first one counts, the rest are duplicates.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<CustomerEvent>(events.Count);
        var positions = new List<int>(events.Count);
        List<int>? duplicated = null;
        for (var i = 0; i < events.Count; i++)
        {
            if (seen.Add(events[i].EventId))
            {
                candidates.Add(events[i]);
                positions.Add(i);
            }
            else
            {
                (duplicated ??= []).Add(i);
            }
        }

        var entries = new JournalEntry[candidates.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = EventCodec.ToEntry(candidates[i], State.LastSeq + i + 1, recordedAt);
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

        var acceptedAt = runtimeClock.GetUtcNow();
        var current = rules.Current;
        var before = Before(current);
        var facts = new List<EventFacts>();
        var contactsTouched = false;
        for (var i = 0; i < entries.Length; i++)
        {
            if (!fresh[i])
            {
                (duplicated ??= []).Add(positions[i]);
                continue;
            }
            State.Apply(entries[i].Seq, candidates[i], recordedAt, current);
            facts.Add(FactsOf(candidates[i].Payload));
            contactsTouched |= candidates[i].Payload is ProfileUpdatePayload p && ContactKeys.Touches(p.Attributes.Keys);
        }

        if (facts.Count > 0)
        {
            _unsavedEvents += facts.Count;
            var evaluation = EvaluateSafely(current);
            RecordDigest(evaluation.Traits, current);
            await CheckpointIfDueAsync();
            await NotifyAsync(evaluation.Traits, acceptedAt);
            await RaiseAlertsAsync(before, evaluation, facts);
            if (contactsTouched) await IndexContactsAsync();
        }
        duplicated?.Sort();
        return new ApplyResult(facts.Count, events.Count - facts.Count, duplicated);
    }

    public Task<bool> Exists() => Task.FromResult(State.Exists);

    public async Task<CustomerCard?> GetCard()
    {
        if (!State.Exists) return null;
        var evaluation = await ReevaluateAsync(scheduled: false);
        return State.ToCard(CustomerId, evaluation.Traits, population.Current.Version);
    }

    public async Task<CustomerCard?> Watch(ICustomerObserver observer)
    {
        _watchers ??= new ObserverManager<ICustomerObserver>(options.Value.Push.WatchExpiry, logger)
        {
            GetDateTime = () => runtimeClock.GetUtcNow().UtcDateTime,
        };
        _watchers.Subscribe(observer, observer);
        return await GetCard();
    }

    public Task Unwatch(ICustomerObserver observer)
    {
        _watchers?.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task CheckSilence()
    {
        if (State.Exists) await ReevaluateAsync(scheduled: true);
    }

    /// <summary>
    /// Evaluates with no new event. A change found is recorded and alerted; so is every scheduled check,
    /// even without a change, since its digest carries the next due time forward and an open complaint
    /// may have become overdue. A card read with nothing changed writes nothing.
    /// </summary>
    private async Task<CustomerEvaluation> ReevaluateAsync(bool scheduled)
    {
        var current = rules.Current;
        var before = Before(current);
        var evaluation = await EvaluateNowAsync(current);
        if (scheduled || evaluation.Changes.Count > 0)
        {
            RecordDigest(evaluation.Traits, current);
            await RaiseAlertsAsync(before, evaluation, []);
        }
        return evaluation;
    }

    /// <summary>
    /// The model with the population's fitted models; should those fail for this customer (numbers out of
    /// range), the model without them, so that a model problem never stops events from being applied.
    /// </summary>
    private CustomerEvaluation EvaluateSafely(EngagementRules current)
    {
        var now = clock.GetUtcNow();
        var statistics = population.Current;
        CustomerEvaluation evaluation;
        try
        {
            evaluation = State.Model.Evaluate(now, statistics, current);
        }
        catch (Exception ex) when (ex is ArithmeticException or ArgumentException)
        {
            LogEvaluationFailed(logger, ex, CustomerId, statistics.Version);
            evaluation = State.Model.Evaluate(now, statistics with { BgNbd = null, GammaGamma = null }, current);
        }
        // Stage and tier moves for the population's flow: counted in this silo's memory, reported in bulk.
        if (evaluation.Changes.Count > 0) flow.Record(evaluation.Changes);
        return evaluation;
    }

    /// <summary>
    /// Evaluates with no new event: if the passing of time alone moved the stage, tier or risk band, that
    /// is a change of its own. It gets a new version, and is checkpointed before anyone sees it, so that
    /// a restart can never show a lower version than one already shown.
    /// </summary>
    private async Task<CustomerEvaluation> EvaluateNowAsync(EngagementRules current)
    {
        var evaluation = EvaluateSafely(current);
        if (evaluation.Changes.Count > 0)
        {
            State.Version++;
            await SaveCheckpointAsync();
            await NotifyAsync(evaluation.Traits);
        }
        return evaluation;
    }

    // The escalated tickets are read as they are: they change only in RaiseAlertsAsync, after the causes are taken.
    private AlertPolicy.Before Before(EngagementRules current) => new(
        State.Model.Service.Snapshot(clock.GetUtcNow(), current.Satisfaction.ComplaintOverdueDays).CsatMean,
        State.EscalatedTickets);

    private static EventFacts FactsOf(EventPayload payload) => payload switch
    {
        ComplaintOpenedPayload { Severity: Contracts.Customers.ComplaintSeverity.High } c => new EventFacts(c.TicketId, null),
        SurveyPayload { Nps: { } nps } => new EventFacts(null, nps),
        _ => new EventFacts(null, null),
    };

    /// <summary>
    /// Raises the alerts this change calls for. The change itself is already durable: an alert that cannot
    /// be stored now is logged, and does not undo or fail the change.
    /// </summary>
    private async Task RaiseAlertsAsync(AlertPolicy.Before before, CustomerEvaluation evaluation, IReadOnlyCollection<EventFacts> facts)
    {
        var now = clock.GetUtcNow();
        var causes = AlertPolicy.Causes(before, evaluation.Traits, evaluation.Changes, facts, State.Model, options.Value.Alerts, now).ToList();
        var open = evaluation.Traits.Satisfaction.OpenComplaints;
        State.EscalatedTickets.IntersectWith(open.Select(c => c.Ticket));
        State.EscalatedTickets.UnionWith(open.Where(c => c.Overdue).Select(c => c.Ticket));
        foreach (var cause in causes)
        {
            try
            {
                await GrainFactory.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(CustomerId, cause.Kind)).Raise(cause);
            }
            catch (Exception ex)
            {
                LogAlertFailed(logger, ex, cause.Kind, CustomerId);
            }
        }
    }

    /// <summary>
    /// Queues the population digest, with the next time the customer must be looked at without an event:
    /// when silence alone moves the churn risk into the next band, or an open complaint becomes overdue.
    /// </summary>
    private void RecordDigest(CustomerTraits traits, EngagementRules current)
    {
        DateTimeOffset? due = traits.NextRiskCrossing;
        foreach (var complaint in traits.Satisfaction.OpenComplaints.Where(c => !c.Overdue))
        {
            var overdueAt = complaint.OpenedAt.AddDays(current.Satisfaction.ComplaintOverdueDays);
            if (due is null || overdueAt < due) due = overdueAt;
        }
        journal.RecordDigest(CustomerDigest.Of(CustomerId, State.Model, traits, due, current.GetCalendar()));
    }

    /// <summary>
    /// Brings the contact index (phone, email -> customer) in line with the profile: released what the customer
    /// no longer has, claimed what it has now. Costs no call while they agree, which is nearly always; a failure
    /// is logged and retried at the next profile update or activation, since the change itself is already durable.
    /// </summary>
    private async Task IndexContactsAsync()
    {
        var wanted = ContactKeys.Of(State.Model.Profile.Select(a => KeyValuePair.Create(a.Key, a.Value.Value)));
        var indexed = State.IndexedContacts;
        if (indexed.SetEquals(wanted)) return;
        try
        {
            foreach (var gone in indexed.Except(wanted).ToList())
            {
                await GrainFactory.GetGrain<IContactIndexGrain>(gone).Release(CustomerId);
                indexed.Remove(gone);
            }
            foreach (var added in wanted.Except(indexed).ToList())
            {
                await GrainFactory.GetGrain<IContactIndexGrain>(added).Claim(CustomerId);
                indexed.Add(added);
            }
        }
        catch (Exception ex)
        {
            LogIndexFailed(logger, ex, CustomerId);
        }
    }

    /// <param name="acceptedAt">When the events behind this change were durable (runtime clock); null for a change without events.</param>
    private async Task NotifyAsync(CustomerTraits traits, DateTimeOffset? acceptedAt = null)
    {
        if (_watchers is not { Count: > 0 }) return;
        var card = State.ToCard(CustomerId, traits, population.Current.Version) with { AcceptedAt = acceptedAt };
        await _watchers.Notify(w => w.OnCardChanged(card));
    }

    private async Task CheckpointIfDueAsync()
    {
        if (_unsavedEvents >= options.Value.Checkpoint.EveryEvents)
        {
            await SaveCheckpointAsync();
            return;
        }
        // Bound how much a re-activation must replay even for a customer that goes quiet.
        if (_checkpointTimer is null) ArmCheckpointTimer();
    }

    /// <summary>
    /// One checkpoint, after a delay each customer picks for itself, so that customers who took events together
    /// do not all checkpoint at once. The timer fires once and is gone: a customer with nothing unsaved costs no
    /// timer and no tick (a million periodic timers would tick ten thousand times a second for nothing).
    /// </summary>
    private void ArmCheckpointTimer()
    {
        var delay = options.Value.Checkpoint.MaxDelay * (0.5 + Random.Shared.NextDouble() / 2);
        _checkpointTimer = this.RegisterGrainTimer(
            async _ =>
            {
                _checkpointTimer?.Dispose();
                _checkpointTimer = null;
                if (State.Version != _checkpointedVersion) await SaveCheckpointAsync();
            },
            new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = false });
    }

    /// <summary>Writes the checkpoint; should the write fail, whoever asked for it, a timer is armed to try again.</summary>
    private async Task SaveCheckpointAsync()
    {
        try
        {
            await checkpoint.WriteStateAsync();
        }
        catch
        {
            if (_checkpointTimer is null) ArmCheckpointTimer();
            throw;
        }
        _checkpointedVersion = State.Version;
        _unsavedEvents = 0;
        _watchers?.ClearExpired();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Customer {CustomerId} caught up {Count} journal entries to sequence {Seq}")]
    private static partial void LogCaughtUp(ILogger logger, string customerId, int count, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Evaluating customer {CustomerId} with population statistics version {Version} failed; evaluated without the fitted models")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception, string customerId, long version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Raising a {Kind} alert for customer {CustomerId} failed")]
    private static partial void LogAlertFailed(ILogger logger, Exception exception, AlertKind kind, string customerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updating the contact index for customer {CustomerId} failed; retried at its next profile update or activation")]
    private static partial void LogIndexFailed(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal append failed for customer {CustomerId}; the grain will reload from the store")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string customerId);
}

public static class StorageNames
{
    /// <summary>The grain storage provider that holds customer checkpoints and the population statistics.</summary>
    public const string Customers = "customers";
}
