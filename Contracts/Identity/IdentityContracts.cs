using Engagement.Contracts.Alerts;
using Orleans.Concurrency;

namespace Engagement.Contracts.Identity;

/// <summary>
/// The identity side of a customer grain (issue 17), apart from <c>ICustomerGrain</c>: the steps of a merge and an unmerge,
/// each on one grain, called in turn by the identity grain so that no customer ever waits on another.
/// </summary>
public interface ICustomerIdentityGrain : IGrainWithStringKey
{
    /// <summary>
    /// The first step of merging this customer into <paramref name="into"/>: it becomes a tombstone that sends what it is
    /// given there (durably, with its checkpoint). Idempotent for the same target.
    /// </summary>
    Task<SurrenderResult> Surrender(string into);

    /// <summary>Undoes <see cref="Surrender"/> when the merge failed after it (a no-op unless this is a tombstone of <paramref name="into"/>).</summary>
    [AlwaysInterleave]
    Task Reinstate(string into);

    /// <summary>
    /// The second step: takes <paramref name="order"/>'s source (a tombstone of this customer now) in: the journals
    /// combined in the store, this customer rebuilt from them, the source's open alerts moved here.
    /// </summary>
    Task<MergeOutcome> Absorb(MergeOrder order, IReadOnlyList<Alert> alerts);

    /// <summary>
    /// The first step of an unmerge: gives back the rows, identifiers and moved alerts of <paramref name="order"/>'s source
    /// and rebuilds this customer; returns the alert causes the source takes back.
    /// </summary>
    Task<UnmergeOutcome> Release(MergeOrder order);

    /// <summary>The second step of an unmerge: this tombstone stands on its own again, rebuilt from its journal, with its alerts.</summary>
    Task Restore(string from, IReadOnlyList<AlertCause> alerts);

    /// <summary>Another customer claimed an identifier this one holds: noted in this customer's history and decision log.</summary>
    [OneWay]
    Task NoteConflict(string key, string claimant);

    /// <summary>The customer this one was merged into, or null.</summary>
    [ReadOnly]
    Task<string?> MergedInto();
}

/// <summary>Merges, unmerges and the identity index's reads, for gateways: a stateless worker.</summary>
public interface IIdentityGrain : IGrainWithIntegerKey
{
    /// <summary>Merges <paramref name="from"/> into <paramref name="into"/> (each resolved through earlier merges first).</summary>
    Task<MergeOutcome> Merge(string into, string from, string by, string reason);

    /// <summary>Undoes the merge of <paramref name="from"/> into <paramref name="into"/>, within the unmerge window.</summary>
    Task<UnmergeOutcome> Unmerge(string into, string from, string by, string reason);

    /// <summary>The customer's identifiers (its own id first), its conflicts, and whom it was merged into if it was.</summary>
    Task<CustomerIdentifiers> Identifiers(string customerId);

    /// <summary>Conflicts after an id, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<IdentityConflictView>> Conflicts(long after, int limit);

    /// <summary>Every merged id and the customer it was merged into, with a version that changes with every merge or unmerge.</summary>
    Task<RedirectMap> Redirects(long knownVersion);
}

/// <summary>A merge or unmerge as asked: into <see cref="Into"/>, of <see cref="From"/>, by whom and why.</summary>
[GenerateSerializer, Immutable]
public sealed record MergeOrder(
    [property: Id(0)] string Into,
    [property: Id(1)] string From,
    [property: Id(2)] string By,
    [property: Id(3)] string Reason);

/// <summary>What a surrendering customer hands over: whether it exists, whom it was merged into already, its open alerts.</summary>
[GenerateSerializer, Immutable]
public sealed record SurrenderResult(
    [property: Id(0)] bool Exists,
    [property: Id(1)] string? MergedInto,
    [property: Id(2)] IReadOnlyList<Alert> OpenAlerts);

/// <summary>A merge done: into, from, the merge's sequence, when, how many events the customer holds now, the alerts moved.</summary>
[GenerateSerializer, Immutable]
public sealed record MergeOutcome(
    [property: Id(0)] string Into,
    [property: Id(1)] string From,
    [property: Id(2)] long Sequence,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] int Events,
    [property: Id(5)] IReadOnlyList<string> MovedAlerts,
    [property: Id(6)] IReadOnlyList<string> MovedIdentifiers);

/// <summary>An unmerge done: the events each customer holds afterwards, the alerts given back.</summary>
[GenerateSerializer, Immutable]
public sealed record UnmergeOutcome(
    [property: Id(0)] string Into,
    [property: Id(1)] string From,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] int IntoEvents,
    [property: Id(4)] int FromEvents,
    [property: Id(5)] IReadOnlyList<AlertCause> Alerts);

/// <summary>One identifier: kind (<c>customer</c>, <c>email</c>, <c>phone</c>, <c>external</c>), normalised value, and since when.</summary>
[GenerateSerializer, Immutable]
public sealed record CustomerIdentifier(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Value,
    [property: Id(2)] DateTimeOffset? Since);

[GenerateSerializer, Immutable]
public sealed record CustomerIdentifiers(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] IReadOnlyList<CustomerIdentifier> Identifiers,
    [property: Id(2)] IReadOnlyList<IdentityConflictView> Conflicts,
    [property: Id(3)] string? MergedInto);

/// <summary>An identifier <see cref="ClaimantId"/> claimed while <see cref="OwnerId"/> held it (the owner keeps it).</summary>
[GenerateSerializer, Immutable]
public sealed record IdentityConflictView(
    [property: Id(0)] long Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Value,
    [property: Id(3)] string OwnerId,
    [property: Id(4)] string ClaimantId,
    [property: Id(5)] DateTimeOffset At);

/// <summary>Merged ids to the customers they were merged into; null <see cref="Redirects"/> when the version asked for is current.</summary>
[GenerateSerializer, Immutable]
public sealed record RedirectMap(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyDictionary<string, string>? Redirects);

/// <summary>Why a merge or unmerge was refused; the gateways answer 400/409 and InvalidArgument, NotFound or FailedPrecondition.</summary>
public enum IdentityRefusal
{
    Invalid,
    NotFound,
    FailedPrecondition,
}

/// <summary>A merge or unmerge refused: <see cref="Field"/> names the input at fault.</summary>
[GenerateSerializer]
public sealed class IdentityRefusedException(IdentityRefusal refusal, string field, string message) : Exception(message)
{
    [Id(0)] public IdentityRefusal Refusal { get; } = refusal;

    [Id(1)] public string Field { get; } = field;
}
