using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Contracts.Identity;
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
/// from the journal on activation. The grain orchestrates (state, journal, checkpoint, notifications, alerts);
/// the arithmetic is the customer model's, and the decisions are plain classes beside it: <see cref="EventSlice"/>
/// (duplicates), <see cref="CheckpointPolicy"/> (when to write), <see cref="ContactIndexPlan"/> (the contact index)
/// and <see cref="EscalationBook"/> (escalated complaints, the next due time).
/// </summary>
public sealed partial class CustomerGrain(
    [PersistentState("customer", StorageNames.Customers)] IPersistentState<CustomerState> checkpoint,
    IEventJournal journal,
    IIdentityStore identity,
    RulesMonitor rules,
    PopulationCache population,
    PopulationFlowRecorder flow,
    IOptions<EngagementOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    TimeProvider machineClock,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain, ICustomerSweepTarget, ICustomerIdentityGrain
{
    // Made when someone first watches: most customers are never watched while active, and an observer manager
    // per idle customer is memory for nothing (docs/benchmarks.md, live heap per customer).
    private ObserverManager<ICustomerObserver>? _watchers;
    private readonly CheckpointPolicy _checkpoints = new(options.Value.Checkpoint, Random.Shared);
    private IGrainTimer? _checkpointTimer;
    // The digest this activation last queued: most events move nothing the population reads (spend, purchase days,
    // stage, tier, segments, due time), and an unchanged digest is not written again. Forgotten at each checkpoint,
    // so that a digest lost with a failed commit is written again within one checkpoint interval.
    private CustomerDigest? _lastDigest;

    private CustomerState State => checkpoint.State;

    private string CustomerId => this.GetPrimaryKeyString();

    /// <summary>The currency the card's money is in (<c>Engagement:Currency</c>).</summary>
    private string CardCurrency => options.Value.Currency;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A tombstone's rows went to the customer it was merged into; a merge that stopped half-way is finished by a rebuild.
        if (State.MergedInto is not null) return;
        if (State.RebuildPending)
        {
            await RebuildAsync();
            return;
        }
        var customerId = CustomerId;
        State.Model.CustomerId = customerId;
        var checkpointVersion = State.Version;
        var missed = await journal.ReadAsync(customerId, State.LastSeq, cancellationToken);
        _erased = await ErasedAsync(missed.Count);
        if (_erased) return;
        var current = rules.Current;
        foreach (var entry in missed)
        {
            State.Apply(entry.Seq, EventCodec.FromEntry(entry), entry.RecordedAt, current, options.Value.Limits.Customer);
        }
        _checkpoints.Activated(checkpointVersion, missed.Count);
        // The open alert kinds are known from a checkpoint that saw every change; not behind the journal (a crash may
        // have lost a raise), and not from a checkpoint written before they were kept (null there already).
        if (missed.Count > 0) State.OpenAlerts = null;
        else if (!checkpoint.RecordExists) State.OpenAlerts ??= 0;
        if (missed.Count > 0)
        {
            // The digest written after these events may have been lost with the process that wrote them.
            RecordDigest(EvaluateSafely(current).Traits, current);
            LogCaughtUp(logger, customerId, missed.Count, State.LastSeq);
        }
        // A change of contacts that did not reach the index before the process stopped gets there now.
        await IndexContactsAsync();
        // Alerts the store did not take before the last activation went are delivered again.
        if (State.UnsavedAlerts is { Count: > 0 }) ArmAlertRetry();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_erased) return;
        if (_checkpoints.SaveOnDeactivation(State.Version, reason.ReasonCode == DeactivationReasonCode.ApplicationError))
        {
            // The last chance: a failure here is logged by Orleans, and the next activation replays the journal.
            await checkpoint.WriteStateAsync(CancellationToken.None);
        }
    }

    public Task<ApplyResult> Apply(IReadOnlyList<CustomerEvent> events) =>
        // Merged into another customer: what is sent here lands there (a gateway's redirect map usually sends it there itself).
        State.MergedInto is { } into ? GrainFactory.GetGrain<ICustomerGrain>(into).Apply(events) : ApplyCoreAsync(events);

    private async Task<ApplyResult> ApplyCoreAsync(IReadOnlyList<CustomerEvent> events)
    {
        if (_erased) return await AfterErasureAsync(events);
        var customerId = CustomerId;
        var recordedAt = businessClock.GetUtcNow();

        var slice = new EventSlice(events);
        var candidates = slice.Distinct;
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
            LogAppendFailed(logger, ex, customerId);
            // The commit may have landed even though we saw it fail. Read back rather than guess: if it did, the events
            // are applied, pushed and alerted now and the answer counts them accepted (a resend would call them duplicates).
            var landed = await ReadBackAsync(entries);
            if (landed is null)
            {
                // It did not, or the store cannot tell now: start over from the store; the next activation replays what it holds.
                DeactivateOnIdle();
                throw;
            }
            fresh = landed;
        }

        var acceptedAt = machineClock.GetUtcNow();
        var current = rules.Current;
        var before = EscalationBook.Before(State, businessClock.GetUtcNow(), current);
        var facts = new List<EventFacts>();
        var contactsTouched = false;
        DateTimeOffset? causedAt = null;
        var live = false;
        List<ContactOutcomePayload>? outcomes = null;
        foreach (var i in slice.Fresh(fresh))
        {
            State.Apply(entries[i].Seq, candidates[i], recordedAt, current, options.Value.Limits.Customer);
            if (causedAt is not { } latest || candidates[i].OccurredAt > latest) causedAt = candidates[i].OccurredAt;
            facts.Add(FactsOf(candidates[i].Payload));
            contactsTouched |= candidates[i].Payload is ProfileUpdatePayload p && ContactKeys.Touches(p.Attributes.Keys);
            live |= !candidates[i].Backfill;
            if (candidates[i].Payload is ContactOutcomePayload { AlertId: not null } outcome) (outcomes ??= []).Add(outcome);
        }

        if (facts.Count > 0)
        {
            var evaluation = EvaluateSafely(current, causedAt);
            RecordDigest(evaluation.Traits, current);
            await CheckpointIfDueAsync(facts.Count);
            await NotifyAsync(evaluation.Traits, acceptedAt);
            if (outcomes is not null) await RecordOutcomesAsync(outcomes);
            await RaiseAlertsAsync(live ? AlertOccasion.Events : AlertOccasion.Backfill, before, evaluation, facts);
            if (contactsTouched) await IndexContactsAsync();
        }
        return slice.Result();
    }

    /// <summary>Which of the entries an ambiguous commit stored (see <see cref="CommitReadBack"/>); null when none or unknown.</summary>
    private async Task<bool[]?> ReadBackAsync(JournalEntry[] entries)
    {
        try
        {
            return await CommitReadBack.ResolveAsync(journal, CustomerId, State.LastSeq, entries);
        }
        catch (Exception ex)
        {
            LogReadBackFailed(logger, ex, CustomerId);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading back the journal of customer {CustomerId} after a failed commit failed; the customer starts over from the store")]
    private static partial void LogReadBackFailed(ILogger logger, Exception exception, string customerId);

    public Task<bool> Exists() => Task.FromResult(State.Exists || State.MergedInto is not null);

    public Task<string?> Team() => State.MergedInto is { } into ? GrainFactory.GetGrain<ICustomerGrain>(into).Team()
        : Task.FromResult(State.Exists ? AlertPolicy.TeamOf(State.Model, options.Value.Alerts) : null);

    public async Task<CustomerCard?> GetCard()
    {
        // A merged id shows the card of the customer it is now (whose id the card carries).
        if (State.MergedInto is { } into) return await GrainFactory.GetGrain<ICustomerGrain>(into).GetCard();
        if (!State.Exists) return null;
        var evaluation = await ReevaluateAsync(scheduled: false);
        return State.ToCard(CustomerId, evaluation.Traits, population.Current.Version, rules.Current, CardCurrency)
            with { Team = AlertPolicy.TeamOf(State.Model, options.Value.Alerts) };
    }

    public async Task<CustomerCard?> Watch(ICustomerObserver observer)
    {
        _watchers ??= new ObserverManager<ICustomerObserver>(options.Value.Push.WatchExpiry, logger)
        {
            GetDateTime = () => machineClock.GetUtcNow().UtcDateTime,
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

    public async Task Refresh(long statisticsVersion, long segmentsRevision)
    {
        // This silo's copy may trail the refit that started the sweep by up to one cache refresh, its segments the write by one look.
        if (population.Current.Version < statisticsVersion) population.Offer(await GrainFactory.GetGrain<IPopulationStatisticsGrain>(0).Statistics());
        await rules.EnsureSegmentsAsync(segmentsRevision);
        if (State.Exists) await ReevaluateAsync(scheduled: true);
    }

    public async Task CheckAfterBackfill()
    {
        if (State.Exists) await ReevaluateAsync(scheduled: true, AlertOccasion.BackfillEnded);
    }

    /// <summary>
    /// Evaluates with no new event. A change found is recorded and alerted; so is every scheduled check,
    /// even without a change, since its digest carries the next due time forward and an open complaint
    /// may have become overdue. A card read with nothing changed writes nothing.
    /// </summary>
    private async Task<CustomerEvaluation> ReevaluateAsync(bool scheduled, AlertOccasion occasion = AlertOccasion.Check)
    {
        var current = rules.Current;
        var before = EscalationBook.Before(State, businessClock.GetUtcNow(), current);
        var evaluation = await EvaluateNowAsync(current);
        if (scheduled || evaluation.Changes.Count > 0)
        {
            RecordDigest(evaluation.Traits, current, always: scheduled);
            await RaiseAlertsAsync(occasion, before, evaluation, []);
        }
        return evaluation;
    }

    /// <summary>
    /// The model with the population's fitted models; should those fail for this customer (numbers out of
    /// range), the model without them, so that a model problem never stops events from being applied.
    /// </summary>
    private CustomerEvaluation EvaluateSafely(EngagementRules current, DateTimeOffset? causedAt = null)
    {
        var now = businessClock.GetUtcNow();
        var statistics = population.Current;
        CustomerEvaluation evaluation;
        try
        {
            evaluation = State.Model.Evaluate(now, statistics, current, causedAt);
        }
        catch (Exception ex) when (ex is ArithmeticException or ArgumentException)
        {
            LogEvaluationFailed(logger, ex, CustomerId, statistics.Version);
            evaluation = State.Model.Evaluate(now, statistics with { BgNbd = null, GammaGamma = null }, current, causedAt);
        }
        // Stage and tier moves for the population's flow: counted in this silo's memory, reported in bulk.
        if (evaluation.Changes.Count > 0) flow.Record(evaluation.Changes, now);
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

    private static readonly EventFacts NoFacts = new();

    private static EventFacts FactsOf(EventPayload payload) => payload switch
    {
        ComplaintOpenedPayload { Severity: Contracts.V1.ComplaintSeverity.High } c => new EventFacts(c.TicketId, null),
        SurveyPayload { Nps: { } nps } => new EventFacts(Nps: nps),
        SurveyPayload { Csat: { } csat } => new EventFacts(Csat: csat),
        ComplaintResolvedPayload r => new EventFacts(ResolvedTicket: r.TicketId),
        CancellationPayload => new EventFacts(Cancelled: true),
        _ => NoFacts,
    };

    /// <summary>
    /// Raises the alerts this change calls for and closes the open ones whose cause is gone (see <see cref="AlertBook"/>).
    /// The change itself is already durable: an alert that cannot be stored now is logged, and does not undo or fail the change.
    /// </summary>
    private async Task RaiseAlertsAsync(AlertOccasion occasion, AlertPolicy.Before before, CustomerEvaluation evaluation, IReadOnlyCollection<EventFacts> facts)
    {
        var (pending, known) = (State.AlertsPending, State.OpenAlerts);
        var plan = AlertBook.Plan(State, occasion, before, evaluation, facts, options.Value.Alerts, businessClock.GetUtcNow());
        EscalationBook.Remember(State, evaluation.Traits.Satisfaction.OpenComplaints);
        var open = known ?? 0;
        foreach (var step in plan ?? [])
        {
            var alerts = GrainFactory.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(CustomerId, step.Kind));
            // On a failure the kind counts as open: the next evaluation tries to close it again.
            var isOpen = true;
            try
            {
                if (step.Cause is { } cause) await alerts.Raise(cause);
                else if (step.Reason is { } reason)
                {
                    await alerts.Clear(reason);
                    isOpen = false;
                }
                else isOpen = await alerts.Current() is { State: not AlertState.Resolved };
            }
            catch (Exception ex)
            {
                LogAlertFailed(logger, ex, step.Kind, CustomerId);
                // A raise the store did not take goes to the outbox and is delivered again; a close is tried again by the next evaluation.
                if (step.Cause is { } unsaved) KeepUnsavedAlert(unsaved);
                open = AlertBook.With(open, step.Kind, isOpen);
                continue;
            }
            // Whatever the store took for this kind supersedes an older raise still waiting in the outbox.
            if ((step.Cause ?? (object?)step.Reason) is not null && State.UnsavedAlerts?.RemoveAll(c => c.Kind == step.Kind) > 0
                && State.UnsavedAlerts.Count == 0)
            {
                State.UnsavedAlerts = null;
            }
            open = AlertBook.With(open, step.Kind, isOpen);
        }
        if (plan is not null) State.OpenAlerts = open;
        if (State.AlertsPending != pending || State.OpenAlerts != known) AlertBookChanged();
    }

    private IGrainTimer? _alertRetryTimer;
    private int _alertRetries;

    /// <summary>Puts a raise the alert store did not take in the outbox (kept with the checkpoint) and arms its delivery.</summary>
    private void KeepUnsavedAlert(AlertCause cause)
    {
        var unsaved = State.UnsavedAlerts ??= [];
        unsaved.RemoveAll(c => c.Kind == cause.Kind);
        unsaved.Add(cause);
        // The outbox is part of the checkpoint: written with the next one, as the alert book is.
        _checkpoints.Changed();
        ArmCheckpointTimer();
        ArmAlertRetry();
    }

    /// <summary>
    /// Delivers the outbox again after a delay that doubles with each failed round, up to a minute. The timer keeps the
    /// grain active until the outbox is empty; should the grain go anyway, its checkpoint holds the outbox and the next
    /// activation arms the delivery again.
    /// </summary>
    private void ArmAlertRetry()
    {
        if (_alertRetryTimer is not null) return;
        var delay = TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(_alertRetries, 6)));
        _alertRetryTimer = this.RegisterGrainTimer(async _ =>
        {
            _alertRetryTimer?.Dispose();
            _alertRetryTimer = null;
            await DeliverUnsavedAlertsAsync();
        }, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task DeliverUnsavedAlertsAsync()
    {
        if (State.UnsavedAlerts is not { Count: > 0 } unsaved) return;
        var open = State.OpenAlerts ?? 0;
        foreach (var cause in unsaved.ToList())
        {
            try
            {
                await GrainFactory.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(CustomerId, cause.Kind)).Raise(cause);
            }
            catch (Exception ex)
            {
                LogAlertFailed(logger, ex, cause.Kind, CustomerId);
                _alertRetries++;
                ArmAlertRetry();
                return;
            }
            unsaved.Remove(cause);
            open = AlertBook.With(open, cause.Kind, true);
            if (State.OpenAlerts is not null) State.OpenAlerts = open;
            AlertBookChanged();
        }
        State.UnsavedAlerts = null;
        _alertRetries = 0;
    }

    /// <summary>
    /// Agents' contact outcomes that name one of this customer's alerts: recorded on the alert (retained or lost
    /// resolve it). The outcome is durable as the customer's event already; a failure here is logged.
    /// </summary>
    private async Task RecordOutcomesAsync(List<ContactOutcomePayload> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            var key = AlertIds.GrainKeyOf(outcome.AlertId!);
            var kind = key is null ? default : Enum.Parse<AlertKind>(key.AsSpan(key.LastIndexOf('|') + 1));
            if (key is null || key != AlertIds.GrainKey(CustomerId, kind))
            {
                LogOutcomeAlertUnknown(logger, outcome.AlertId!, CustomerId);
                continue;
            }
            try
            {
                var alert = await GrainFactory.GetGrain<ICustomerAlertGrain>(key).RecordOutcome(outcome.AlertId!, outcome.Outcome, outcome.Note, outcome.AgentId);
                if (alert is { State: AlertState.Resolved } && State.OpenAlerts is { } open)
                {
                    State.OpenAlerts = AlertBook.With(open, alert.Kind, false);
                    AlertBookChanged();
                }
            }
            catch (Exception ex)
            {
                LogAlertFailed(logger, ex, kind, CustomerId);
            }
        }
    }

    /// <summary>
    /// The alert book is part of the checkpoint, whose versions only rise: a change of it is a new version (the card's
    /// too, though nothing on it changed), saved with the next checkpoint.
    /// </summary>
    private void AlertBookChanged()
    {
        State.Version++;
        ArmCheckpointTimer();
    }

    /// <summary>
    /// Queues the population digest, with the next time the customer must be looked at without an event, unless it
    /// is the one queued last (<paramref name="always"/>: a scheduled check writes it anyway, as the silence poll
    /// found the stored due time passed).
    /// </summary>
    private void RecordDigest(CustomerTraits traits, EngagementRules current, bool always = false)
    {
        var digest = CustomerDigest.Of(CustomerId, State.Model, traits,
            EscalationBook.NextLookAt(traits, current, AlertBook.ExpiresAt(State, traits, options.Value.Alerts)), current.GetCalendar(),
            AlertPolicy.TeamOf(State.Model, options.Value.Alerts), _lastDigest?.Attributes, options.Value.Privacy.PersonalInForce);
        if (!always && digest == _lastDigest) return;
        _lastDigest = digest;
        journal.RecordDigest(digest);
    }

    /// <summary>
    /// Brings the contact index (phone, email -> customer) in line with the profile: released what the customer
    /// no longer has, claimed what it has now. Costs no call while they agree, which is nearly always; a failure
    /// is logged and retried at the next profile update or activation, since the change itself is already durable.
    /// </summary>
    private async Task IndexContactsAsync()
    {
        // Contacts indexed by the grains of an older version: claimed again in the store's identity index.
        if (!State.IdentityIndexed) State.IndexedContacts.Clear();
        var indexed = State.IndexedContacts;
        var plan = ContactIndexPlan.For(State.Model.Profile, indexed);
        if (plan.IsEmpty)
        {
            State.IdentityIndexed = true;
            return;
        }
        IReadOnlyList<IdentityConflict> conflicts;
        try
        {
            await identity.ReleaseAsync(CustomerId, plan.Release);
            foreach (var gone in plan.Release) indexed.Remove(gone);
            conflicts = await identity.ClaimAsync(CustomerId, plan.Claim, businessClock.GetUtcNow());
            // A contact another customer holds stays theirs; this one counts it as reconciled, so it is not claimed again.
            foreach (var added in plan.Claim) indexed.Add(added);
            State.IdentityIndexed = true;
        }
        catch (Exception ex)
        {
            LogIndexFailed(logger, ex, CustomerId);
            return;
        }
        if (conflicts.Count > 0) await NoteConflictsAsync(conflicts);
    }

    /// <param name="acceptedAt">When the events behind this change were durable (runtime businessClock); null for a change without events.</param>
    private async Task NotifyAsync(CustomerTraits traits, DateTimeOffset? acceptedAt = null)
    {
        if (_watchers is not { Count: > 0 }) return;
        var card = State.ToCard(CustomerId, traits, population.Current.Version, rules.Current, CardCurrency) with
        {
            AcceptedAt = acceptedAt,
            Team = AlertPolicy.TeamOf(State.Model, options.Value.Alerts),
        };
        await _watchers.Notify(w => w.OnCardChanged(card));
    }

    /// <summary>
    /// After events were applied: writes the checkpoint when due. The events are in the journal already, so a failed write
    /// does not fail the call (its caller would resend, and find them duplicates whose pushes and alerts never happened):
    /// it is logged, and the timer <see cref="SaveCheckpointAsync"/> armed writes it later.
    /// </summary>
    private async Task CheckpointIfDueAsync(int applied)
    {
        if (!_checkpoints.Applied(applied))
        {
            ArmCheckpointTimer();
            return;
        }
        try
        {
            await SaveCheckpointAsync();
        }
        catch (Exception ex)
        {
            LogCheckpointDeferred(logger, ex, CustomerId);
        }
    }

    /// <summary>Arms the one-shot checkpoint timer, unless one is pending (see <see cref="CheckpointPolicy"/>).</summary>
    private void ArmCheckpointTimer()
    {
        if (_checkpoints.ArmTimer() is not { } delay) return;
        _checkpointTimer = this.RegisterGrainTimer(
            async _ =>
            {
                _checkpointTimer?.Dispose();
                _checkpointTimer = null;
                if (_checkpoints.TimerFired(State.Version)) await SaveCheckpointAsync();
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
            ArmCheckpointTimer();
            throw;
        }
        _checkpoints.Saved(State.Version);
        _lastDigest = null;
        _watchers?.ClearExpired();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the checkpoint of customer {CustomerId} failed after its events were committed; it is written again later")]
    private static partial void LogCheckpointDeferred(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Customer {CustomerId} caught up {Count} journal entries to sequence {Seq}")]
    private static partial void LogCaughtUp(ILogger logger, string customerId, int count, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Evaluating customer {CustomerId} with population statistics version {Version} failed; evaluated without the fitted models")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception, string customerId, long version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Raising a {Kind} alert for customer {CustomerId} failed")]
    private static partial void LogAlertFailed(ILogger logger, Exception exception, AlertKind kind, string customerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A contact outcome names alert {AlertId}, which is not one of customer {CustomerId}'s; recorded on the customer only")]
    private static partial void LogOutcomeAlertUnknown(ILogger logger, string alertId, string customerId);

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
