using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Contracts.Identity;
using Engagement.Storage;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Customers;

/// <summary>
/// The customer's side of identity (issue 17): the steps of a merge and an unmerge (the identity grain calls them in
/// turn, so that no customer waits on another), the rebuild from the whole journal after its rows moved, and the
/// notes of identifier conflicts in the history and decision log.
/// </summary>
public sealed partial class CustomerGrain
{
    /// <summary>The channel of the events the engine itself writes into a customer's history (merges, conflicts).</summary>
    public const string IdentityChannel = "engine";

    public Task<string?> MergedInto() => Task.FromResult(State.MergedInto);

    public async Task<SurrenderResult> Surrender(string into)
    {
        if (State.MergedInto is { } already && already != into) return new SurrenderResult(true, already, []);
        if (State.MergedInto is null && !State.Exists) return new SurrenderResult(false, null, []);
        var open = new List<Alert>();
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            if (await GrainFactory.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(CustomerId, kind)).Current() is { State: not AlertState.Resolved } alert) open.Add(alert);
        }
        if (State.MergedInto is null)
        {
            // From here on what is sent to this id goes to the target, which queues it behind the merge. The tombstone keeps
            // no model (no digest, check or sweep writes one again); should the merge fail, it is rebuilt from its journal.
            checkpoint.State = new CustomerState
            {
                MergedInto = into,
                Version = State.Version + 1,
                IdentityIndexed = State.IdentityIndexed,
                IndexedContacts = State.IndexedContacts,
                EscalatedTickets = State.EscalatedTickets,
            };
            _lastDigest = null;
            await SaveCheckpointAsync();
        }
        return new SurrenderResult(true, null, open);
    }

    public async Task Reinstate(string into)
    {
        if (State.MergedInto != into) return;
        State.MergedInto = null;
        await RebuildAsync();
    }

    public async Task<MergeOutcome> Absorb(MergeOrder order, IReadOnlyList<Alert> alerts)
    {
        var at = businessClock.GetUtcNow();
        var note = EventCodec.ToEntry(NoteOf(new IdentityPayload(IdentityPayload.Merged, order.From, order.By, order.Reason), $"merged|{order.From}|{at.ToUnixTimeMilliseconds()}", at), 0, at);
        await MarkRebuildAsync();
        var move = await identity.MergeAsync(CustomerId, order.From, order.By, order.Reason, at, note);
        await RebuildAsync();

        // The source's open alerts: raised here with their causes (a kind open here already is refreshed), resolved there.
        var moved = new List<string>();
        var raisedHere = new List<string>();
        foreach (var alert in alerts)
        {
            var mine = GrainFactory.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(CustomerId, alert.Kind));
            try
            {
                var hadOpen = await mine.Current() is { State: not AlertState.Resolved };
                var raised = await mine.Raise(CauseOf(alert, at));
                await GrainFactory.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(order.From, alert.Kind)).Clear($"merged into customer {CustomerId} by {order.By}");
                moved.Add(raised.AlertId);
                if (!hadOpen) raisedHere.Add(raised.AlertId);
                if (State.OpenAlerts is { } open) State.OpenAlerts = AlertBook.With(open, alert.Kind, true);
            }
            catch (Exception ex)
            {
                LogAlertFailed(logger, ex, alert.Kind, CustomerId);
            }
        }
        if (moved.Count > 0) AlertBookChanged();
        if (raisedHere.Count > 0) await identity.RecordMovedAlertsAsync(move.Record.Sequence, raisedHere);
        return new MergeOutcome(CustomerId, order.From, move.Record.Sequence, at, move.TargetRows, moved, move.Record.Identifiers);
    }

    public async Task<UnmergeOutcome> Release(MergeOrder order)
    {
        var at = businessClock.GetUtcNow();
        var stamp = at.ToUnixTimeMilliseconds();
        var mine = EventCodec.ToEntry(NoteOf(new IdentityPayload(IdentityPayload.Unmerged, order.From, order.By, order.Reason), $"unmerged|{order.From}|{stamp}", at), 0, at);
        var theirs = EventCodec.ToEntry(NoteOf(new IdentityPayload(IdentityPayload.Unmerged, CustomerId, order.By, order.Reason), $"unmerged|{CustomerId}|{stamp}", at), 0, at);
        await MarkRebuildAsync();
        var result = await identity.UnmergeAsync(CustomerId, order.From, order.By, order.Reason, at, mine, theirs);
        if (result is not { } done)
        {
            await RebuildAsync();
            throw new IdentityRefusedException(IdentityRefusal.FailedPrecondition, "from", $"customer '{order.From}' is not merged into '{CustomerId}'");
        }
        // The alerts the merge brought here go back with the customer they came from.
        var causes = new List<AlertCause>();
        foreach (var alertId in done.Merge.Alerts)
        {
            if (AlertIds.GrainKeyOf(alertId) is not { } key) continue;
            var grain = GrainFactory.GetGrain<ICustomerAlertGrain>(key);
            if (await grain.Current() is { State: not AlertState.Resolved } alert && alert.AlertId == alertId)
            {
                await grain.Clear($"merge with customer {order.From} undone by {order.By}");
                causes.Add(CauseOf(alert, at));
            }
        }
        State.OpenAlerts = null;
        await RebuildAsync();
        return new UnmergeOutcome(CustomerId, order.From, at, done.Move.TargetRows, done.Move.SourceRows, causes);
    }

    public async Task Restore(string from, IReadOnlyList<AlertCause> alerts)
    {
        if (State.MergedInto != from) return;
        State.MergedInto = null;
        await RebuildAsync();
        foreach (var cause in alerts)
        {
            try
            {
                await GrainFactory.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(CustomerId, cause.Kind)).Raise(cause);
                if (State.OpenAlerts is { } open) State.OpenAlerts = AlertBook.With(open, cause.Kind, true);
            }
            catch (Exception ex)
            {
                LogAlertFailed(logger, ex, cause.Kind, CustomerId);
            }
        }
        if (alerts.Count > 0) AlertBookChanged();
    }

    public async Task NoteConflict(string key, string claimant)
    {
        if (State.MergedInto is not null || !State.Exists) return;
        var (kind, value) = IdentifierKeys.Split(key);
        await ApplyCoreAsync([NoteOf(new IdentityPayload(IdentityPayload.Conflict, claimant, IdentityChannel,
            $"customer {claimant} also claims {kind} {value}, which stays with this customer", key), $"conflict|{key}|{claimant}", businessClock.GetUtcNow())]);
    }

    /// <summary>Identifiers this customer claimed that others hold: noted here and, without waiting, at each holder.</summary>
    private async Task NoteConflictsAsync(IReadOnlyList<IdentityConflict> conflicts)
    {
        var at = businessClock.GetUtcNow();
        var notes = conflicts.Select(c => NoteOf(new IdentityPayload(IdentityPayload.Conflict, c.OwnerId, IdentityChannel,
            $"{c.Kind} {c.Value} is held by customer {c.OwnerId}; it stays there until an admin merges or the holder lets it go",
            IdentifierKeys.Of(c.Kind, c.Value)), $"conflict|{IdentifierKeys.Of(c.Kind, c.Value)}|{CustomerId}", at)).ToList();
        await ApplyCoreAsync(notes);
        foreach (var conflict in conflicts)
        {
            await GrainFactory.GetGrain<ICustomerIdentityGrain>(conflict.OwnerId).NoteConflict(IdentifierKeys.Of(conflict.Kind, conflict.Value), CustomerId);
        }
        foreach (var conflict in conflicts) LogConflict(logger, conflict.Kind, conflict.OwnerId, CustomerId);
    }

    private static CustomerEvent NoteOf(IdentityPayload payload, string id, DateTimeOffset at) => new($"identity|{id}", IdentityChannel, at, payload);

    private static AlertCause CauseOf(Alert alert, DateTimeOffset at) => new(alert.Kind, alert.Severity, alert.Title, alert.Reasons, alert.Team, alert.Context, at);

    /// <summary>Before the store moves this customer's rows: should the process stop in between, the next activation rebuilds.</summary>
    private async Task MarkRebuildAsync()
    {
        State.RebuildPending = true;
        State.Version++;
        await SaveCheckpointAsync();
    }

    /// <summary>
    /// Rebuilds the customer from its whole journal (which a merge or unmerge renumbered): a fresh state fed every row in
    /// order, evaluated once, checkpointed, pushed, alerted, and its contacts indexed. Versions keep rising.
    /// </summary>
    private async Task RebuildAsync()
    {
        var old = State;
        var current = rules.Current;
        var fresh = new CustomerState
        {
            Version = old.Version + 1,
            IndexedContacts = old.IndexedContacts,
            IdentityIndexed = old.IdentityIndexed,
            EscalatedTickets = old.EscalatedTickets,
            UnsavedAlerts = old.UnsavedAlerts,
            MergedInto = old.MergedInto,
        };
        fresh.Model.CustomerId = CustomerId;
        DateTimeOffset? latest = null;
        if (fresh.MergedInto is null)
        {
            foreach (var entry in await journal.ReadAsync(CustomerId, 0))
            {
                fresh.Apply(entry.Seq, EventCodec.FromEntry(entry), entry.RecordedAt, current, options.Value.Limits.Customer);
                if (latest is not { } l || entry.OccurredAt > l) latest = entry.OccurredAt;
            }
        }
        var before = EscalationBook.Before(old, businessClock.GetUtcNow(), current);
        checkpoint.State = fresh;
        _lastDigest = null;
        if (!fresh.Exists)
        {
            await SaveCheckpointAsync();
            return;
        }
        var evaluation = EvaluateSafely(current, latest);
        RecordDigest(evaluation.Traits, current);
        await SaveCheckpointAsync();
        await NotifyAsync(evaluation.Traits);
        await RaiseAlertsAsync(AlertOccasion.Check, before, evaluation, []);
        await IndexContactsAsync();
        LogRebuilt(logger, CustomerId, fresh.EventCount);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {CustomerId} rebuilt from its journal after a merge or unmerge: {Events} events")]
    private static partial void LogRebuilt(ILogger logger, string customerId, long events);

    [LoggerMessage(Level = LogLevel.Information, Message = "Identifier conflict: a {Kind} held by customer {OwnerId} was claimed by customer {ClaimantId}")]
    private static partial void LogConflict(ILogger logger, string kind, string ownerId, string claimantId);
}
