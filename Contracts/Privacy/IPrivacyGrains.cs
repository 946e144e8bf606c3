using Orleans.Concurrency;

namespace Engagement.Contracts.Privacy;

/// <summary>
/// Erasure of a person (issue 17): runs in the silo that takes the call, deletes every copy of the customer's data and
/// keeps an audit record that names the customer only by a keyed hash.
/// </summary>
public interface IPrivacyGrain : IGrainWithIntegerKey
{
    /// <summary>Erases the customer now; returns once every copy is gone (or throws, leaving the erasure recorded as failed).</summary>
    /// <remarks>Bounded by <c>Engagement:Privacy:EraseTimeout</c> (at most an hour), not by the default response timeout: a SQLite VACUUM may take minutes.</remarks>
    [ResponseTimeout("01:00:30")]
    Task<ErasureReceipt> EraseCustomer(string customerId, string requestedBy);

    /// <summary>An erasure's audit record, or null for an unknown erasure id.</summary>
    [ReadOnly]
    Task<ErasureReceipt?> Erasure(string erasureId);
}

/// <summary>What a customer grain gives up when it is erased: the grain-state rows it and its contacts' index entries had.</summary>
[GenerateSerializer, Immutable]
public sealed record CustomerHandover([property: Id(0)] bool Existed, [property: Id(1)] IReadOnlyList<string> StateKeys);

/// <summary>The customer's side of an erasure (implemented by the customer grain).</summary>
public interface ICustomerPrivacy : IGrainWithStringKey
{
    /// <summary>
    /// Forgets the customer: refuses (or anonymises) its events from now on, drops its state in memory and its checkpoint,
    /// releases its contacts, writes out what it had queued, and deactivates.
    /// </summary>
    Task<CustomerHandover> Forget();
}

/// <summary>The alert grain's side of an erasure: drops the alert it holds in memory and deactivates.</summary>
public interface IAlertPrivacy : IGrainWithStringKey
{
    Task Forget();
}

/// <summary>
/// One erasure as the audit shows it: who asked, when, the customer only as <see cref="SubjectHash"/> (HMAC-SHA256 of the
/// id under the store's privacy key), whether there was anything to erase, how many rows went, and when it ended.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ErasureReceipt
{
    [Id(0)] public required string ErasureId { get; init; }

    [Id(1)] public required string SubjectHash { get; init; }

    [Id(2)] public required string RequestedBy { get; init; }

    [Id(3)] public DateTimeOffset RequestedAt { get; init; }

    /// <summary><see cref="Running"/>, <see cref="Completed"/> or <see cref="Failed"/> (then repeat the erasure: it is idempotent).</summary>
    [Id(4)] public required string State { get; init; }

    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    [Id(5)] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Whether the engine held anything of the customer.</summary>
    [Id(6)] public bool Found { get; init; }

    [Id(7)] public long RowsDeleted { get; init; }
}

/// <summary>An erasure that did not finish; its message says so in terms the caller can act on.</summary>
[GenerateSerializer]
public sealed class ErasureFailedException(string message) : Exception(message);
