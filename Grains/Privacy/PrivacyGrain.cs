using Engagement.Contracts.Activity;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.Privacy;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Engagement.Grains.Privacy;

/// <summary>
/// Erases a person, in this order: the audit record (from then on the id's events are refused or anonymised, after a
/// restart too, since it is durable), the customer grain (its memory, checkpoint and contacts, and what it had queued for
/// the store), its alert grains' memory, then every row that names the customer in both databases (see
/// <see cref="ErasureStore.EraseAsync"/>), the activity gauge's memory, and the audit record's end.
/// </summary>
[StatelessWorker]
public sealed partial class PrivacyGrain(ErasureStore store, IIdentityStore identities, IOptions<EngagementOptions> options, TimeProvider clock, ILogger<PrivacyGrain> logger)
    : Grain, IPrivacyGrain
{
    public async Task<ErasureReceipt> EraseCustomer(string customerId, string requestedBy)
    {
        // The ids merged into the customer are the same person's: read before the erasure deletes the identity rows, each
        // erased after it (with an audit record of its own), so that neither their tombstones nor their later events remain.
        var merged = (await identities.IdentifiersAsync(customerId))
            .Where(i => i.Kind == IdentifierKeys.Customer && i.Value != customerId).Select(i => i.Value).ToList();
        var receipt = await EraseOneAsync(customerId, requestedBy);
        foreach (var id in merged) await EraseOneAsync(id, requestedBy);
        return receipt;
    }

    private async Task<ErasureReceipt> EraseOneAsync(string customerId, string requestedBy)
    {
        var privacy = options.Value.Privacy;
        var erasure = new ErasureReceipt
        {
            ErasureId = $"erasure-{Guid.NewGuid():N}",
            SubjectHash = await store.SubjectHashAsync(customerId),
            RequestedBy = requestedBy,
            RequestedAt = Now(),
            State = ErasureReceipt.Running,
        };
        await store.StartAsync(erasure);
        using var timeout = new CancellationTokenSource(privacy.EraseTimeout);
        try
        {
            var handover = await GrainFactory.GetGrain<ICustomerPrivacy>(customerId).Forget().WaitAsync(timeout.Token);
            await Task.WhenAll(Enum.GetValues<AlertKind>().Select(kind => GrainFactory.GetGrain<IAlertPrivacy>(AlertIds.GrainKey(customerId, kind)).Forget()))
                .WaitAsync(timeout.Token);
            var rows = await store.EraseAsync(customerId, handover.StateKeys, privacy.CompactAfterErasure, timeout.Token);
            await GrainFactory.GetGrain<IActivityGrain>(0).Forget(customerId);
            var found = handover.Existed || rows > 0;
            var completedAt = Now();
            await store.FinishAsync(erasure.ErasureId, ErasureReceipt.Completed, completedAt, found, rows, CancellationToken.None);
            LogErased(logger, erasure.ErasureId, erasure.SubjectHash, requestedBy, rows);
            return erasure with { State = ErasureReceipt.Completed, CompletedAt = completedAt, Found = found, RowsDeleted = rows };
        }
        catch (Exception ex)
        {
            LogEraseFailed(logger, ex, erasure.ErasureId, erasure.SubjectHash);
            await store.FinishAsync(erasure.ErasureId, ErasureReceipt.Failed, Now(), false, 0, CancellationToken.None);
            throw new ErasureFailedException($"Erasure {erasure.ErasureId} did not finish ({ex.GetType().Name}); the customer's events are refused already. Repeat the erasure.");
        }
    }

    /// <summary>To the millisecond, as the audit keeps it: the receipt says what a later read of the record says.</summary>
    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());

    public Task<ErasureReceipt?> Erasure(string erasureId) => store.FindAsync(erasureId);

    // The log names the erasure and the hash only: a log line is a copy of its own.
    [LoggerMessage(Level = LogLevel.Information, Message = "Erasure {ErasureId} of subject {SubjectHash}, asked by {RequestedBy}, completed: {Rows} rows deleted")]
    private static partial void LogErased(ILogger logger, string erasureId, string subjectHash, string requestedBy, long rows);

    [LoggerMessage(Level = LogLevel.Error, Message = "Erasure {ErasureId} of subject {SubjectHash} failed")]
    private static partial void LogEraseFailed(ILogger logger, Exception exception, string erasureId, string subjectHash);
}
