using Engagement.Contracts.Customers;
using Engagement.Contracts.Identity;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Engagement.Grains.Identity;

/// <summary>
/// Merges and unmerges customers (issue 17), one step per customer grain in turn, so that neither customer waits on the
/// other (a surrendered tombstone sends its events to the target, which queues them behind the merge); and the identity
/// index's reads for gateways.
/// </summary>
[StatelessWorker]
public sealed partial class IdentityGrain(
    IIdentityStore store,
    IOptions<IdentityOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    ILogger<IdentityGrain> logger) : Grain, IIdentityGrain
{
    /// <summary>How long a chain of merged ids may be followed (each merge re-points the ids merged before, so chains stay short).</summary>
    private const int MaxHops = 16;

    public async Task<MergeOutcome> Merge(string into, string from, string by, string reason)
    {
        CheckReason(reason);
        if (into == from) throw new IdentityRefusedException(IdentityRefusal.Invalid, "from", $"a customer cannot be merged into itself ('{from}')");
        // Merging into a merged id merges into the customer it became.
        var target = await ResolveAsync(into);
        var resolvedFrom = await ResolveAsync(from);
        if (resolvedFrom == target)
        {
            throw new IdentityRefusedException(from == resolvedFrom ? IdentityRefusal.Invalid : IdentityRefusal.FailedPrecondition, "from",
                from == resolvedFrom ? $"'{into}' was merged into '{from}': a customer cannot be merged into itself" : $"customer '{from}' is merged into '{target}' already");
        }
        if (resolvedFrom != from) throw new IdentityRefusedException(IdentityRefusal.FailedPrecondition, "from", $"customer '{from}' is merged into '{resolvedFrom}' already: merge '{resolvedFrom}' instead");
        if (!await GrainFactory.GetGrain<ICustomerGrain>(target).Exists()) throw new IdentityRefusedException(IdentityRefusal.NotFound, "id", $"no customer '{into}'");

        await RefuseCompactedAsync((target, "id"), (from, "from"));

        var source = GrainFactory.GetGrain<ICustomerIdentityGrain>(from);
        var surrendered = await source.Surrender(target);
        if (!surrendered.Exists) throw new IdentityRefusedException(IdentityRefusal.NotFound, "from", $"no customer '{from}'");
        if (surrendered.MergedInto is { } other) throw new IdentityRefusedException(IdentityRefusal.FailedPrecondition, "from", $"customer '{from}' is merged into '{other}' already");
        try
        {
            var outcome = await GrainFactory.GetGrain<ICustomerIdentityGrain>(target).Absorb(new MergeOrder(target, from, by, reason.Trim()), surrendered.OpenAlerts);
            LogMerged(logger, from, target, by);
            return outcome;
        }
        catch (Exception ex) when (ex is not IdentityRefusedException)
        {
            // Unless the store took the merge (the target finishes it when it next activates), the source stands alone again.
            if (await StoreTookAsync(from, target) != true) await source.Reinstate(target);
            throw;
        }
    }

    // A merge and an unmerge rebuild customers from their whole journals; retention may have compacted the older events.
    private async Task RefuseCompactedAsync(params (string Customer, string Field)[] customers)
    {
        foreach (var (customer, field) in customers)
        {
            if (await store.CompactedAsync(customer))
            {
                throw new IdentityRefusedException(IdentityRefusal.FailedPrecondition, field,
                    $"customer '{customer}' has events older than the journal's retention compacted away (Engagement:Retention:JournalHorizon): " +
                    "a merge or unmerge rebuilds a customer from its whole history, so it cannot be done for this customer");
            }
        }
    }

    public async Task<UnmergeOutcome> Unmerge(string into, string from, string by, string reason)
    {
        CheckReason(reason);
        if (into == from) throw new IdentityRefusedException(IdentityRefusal.Invalid, "from", $"a customer cannot be unmerged from itself ('{from}')");
        if (await GrainFactory.GetGrain<ICustomerIdentityGrain>(into).MergedInto() is { } later)
        {
            throw new IdentityRefusedException(IdentityRefusal.FailedPrecondition, "id", $"customer '{into}' was merged into '{later}' since: undo that merge first");
        }
        var latest = (await store.MergesAsync(from, 100)).FirstOrDefault(m => m.TargetId == into && m.SourceId == from);
        if (latest is not { Action: MergeRecord.Merged }) throw new IdentityRefusedException(IdentityRefusal.FailedPrecondition, "from", $"customer '{from}' is not merged into '{into}'");
        await RefuseCompactedAsync((into, "id"));
        var window = options.Value.UnmergeWindow;
        if (businessClock.GetUtcNow() - latest.At > window)
        {
            throw new IdentityRefusedException(IdentityRefusal.FailedPrecondition, "from",
                $"customer '{from}' was merged into '{into}' at {latest.At:u}: more than the unmerge window of {window} ago");
        }
        var outcome = await GrainFactory.GetGrain<ICustomerIdentityGrain>(into).Release(new MergeOrder(into, from, by, reason.Trim()));
        await GrainFactory.GetGrain<ICustomerIdentityGrain>(from).Restore(into, outcome.Alerts);
        LogUnmerged(logger, from, into, by);
        return outcome;
    }

    public async Task<CustomerIdentifiers> Identifiers(string customerId)
    {
        var mergedInto = await GrainFactory.GetGrain<ICustomerIdentityGrain>(customerId).MergedInto();
        var rows = await store.IdentifiersAsync(customerId);
        var conflicts = await store.ConflictsAsync(customerId, 0, 100);
        return new CustomerIdentifiers(customerId,
            [new CustomerIdentifier(IdentifierKeys.Customer, customerId, null), .. rows.Select(r => new CustomerIdentifier(r.Kind, r.Value, r.Since))],
            [.. conflicts.Select(ViewOf)], mergedInto);
    }

    public async Task<IReadOnlyList<IdentityConflictView>> Conflicts(long after, int limit) =>
        [.. (await store.ConflictsAsync(null, after, limit)).Select(ViewOf)];

    public async Task<RedirectMap> Redirects(long knownVersion)
    {
        var version = await store.RedirectsVersionAsync();
        return version == knownVersion ? new RedirectMap(version, null) : new RedirectMap(version, await store.RedirectsAsync());
    }

    private static IdentityConflictView ViewOf(IdentityConflict c) => new(c.Id, c.Kind, c.Value, c.OwnerId, c.ClaimantId, c.At);

    private static void CheckReason(string reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new IdentityRefusedException(IdentityRefusal.Invalid, "reason", "required: why, for the decision log");
        if (reason.Trim().Length > IdentityOptions.MaxReasonLength)
        {
            throw new IdentityRefusedException(IdentityRefusal.Invalid, "reason", $"longer than {IdentityOptions.MaxReasonLength} characters");
        }
    }

    /// <summary>The customer an id stands for now: itself, or the end of the chain of merges it went through.</summary>
    private async Task<string> ResolveAsync(string customerId)
    {
        var id = customerId;
        for (var hop = 0; hop < MaxHops; hop++)
        {
            if (await GrainFactory.GetGrain<ICustomerIdentityGrain>(id).MergedInto() is not { } next) return id;
            id = next;
        }
        throw new InvalidOperationException($"The merges of customer '{customerId}' form a chain longer than {MaxHops}.");
    }

    /// <summary>Whether the store has the source merged into the target; null when the store cannot say now.</summary>
    private async Task<bool?> StoreTookAsync(string from, string target)
    {
        try
        {
            return await store.OwnerAsync(IdentifierKeys.Of(IdentifierKeys.Customer, from)) == target;
        }
        catch (Exception ex)
        {
            LogStoreUnknown(logger, ex, from, target);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {From} merged into {Into} by {By}")]
    private static partial void LogMerged(ILogger logger, string from, string into, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {From} unmerged from {Into} by {By}")]
    private static partial void LogUnmerged(ILogger logger, string from, string into, string by);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A merge of {From} into {Into} failed and the store could not say whether it took it; the source stays a tombstone until the merge is tried again")]
    private static partial void LogStoreUnknown(ILogger logger, Exception exception, string from, string into);
}

/// <summary>The silo's part of identity: the store's index and merges (in the journal's database) and the options.</summary>
public static class IdentityHosting
{
    public static void AddIdentity(IServiceCollection services)
    {
        services.AddOptions<IdentityOptions>().BindConfiguration(IdentityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IIdentityStore>(sp => new SqlIdentityStore(
            sp.GetRequiredService<StoreDatabases>().Journal,
            sp.GetRequiredService<GroupCommitJournal>().FlushAsync,
            sp.GetRequiredService<ChangeFeedWriter>()));
    }
}
