using Orleans.Concurrency;

namespace Engagement.Contracts.Segments;

/// <summary>
/// Segments as data (issue 16): defined, changed and removed at run time, every version kept in the store with who and
/// when. A write is put in force on every silo (each reloads the stored segments) and starts the population sweep, so
/// idle customers enter or leave the segment and each entry or exit is a change in the feed. A stateless worker: the
/// store holds the state; the gateway checks roles and input before it calls.
/// </summary>
public interface ISegmentsGrain : IGrainWithIntegerKey
{
    /// <summary>The segments in force by name, after <paramref name="afterName"/> (null: from the first), at most <paramref name="limit"/>.</summary>
    Task<SegmentPage> List(string? afterName, int limit);

    /// <summary>The segment with every version, the newest first; null when the name was never written.</summary>
    Task<SegmentHistory?> History(string name);

    /// <summary>Defines or changes a segment (its rule parses: the caller checked); with <paramref name="expectedVersion"/>, only if that is current.</summary>
    Task<SegmentWriteResult> Save(string name, string rule, string description, SegmentAuthorInfo author, int? expectedVersion);

    /// <summary>Removes a segment (a version too); with <paramref name="expectedVersion"/>, only if that is current.</summary>
    Task<SegmentWriteResult> Remove(string name, SegmentAuthorInfo author, int? expectedVersion);

    /// <summary>How many stored customers <paramref name="rule"/> matches now, from the digests and attributes (no customer wakes).</summary>
    Task<SegmentDryRunResult> DryRun(string rule);
}

/// <summary>Who writes: the API key's name and role.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentAuthorInfo([property: Id(0)] string Name, [property: Id(1)] string Role);

/// <summary>One version of a segment; <c>Rule</c> null for the version that removed it. <c>Source</c>: api or file.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int Version,
    [property: Id(2)] string? Rule,
    [property: Id(3)] string Description,
    [property: Id(4)] string Source,
    [property: Id(5)] string ChangedBy,
    [property: Id(6)] string Role,
    [property: Id(7)] DateTimeOffset ChangedAt)
{
    public bool Removed => Rule is null;
}

[GenerateSerializer, Immutable]
public sealed record SegmentPage([property: Id(0)] IReadOnlyList<SegmentInfo> Segments, [property: Id(1)] string? Next);

/// <summary>A segment's versions, newest first: the first is the current one (removed when its rule is null).</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentHistory([property: Id(0)] SegmentInfo Current, [property: Id(1)] IReadOnlyList<SegmentInfo> Versions);

public enum SegmentWriteOutcome
{
    Saved,
    Unchanged,
    Conflict,
    NotFound,
}

/// <summary>What a write did, and the version now current (null when none: removed, or never defined).</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentWriteResult([property: Id(0)] SegmentWriteOutcome Outcome, [property: Id(1)] SegmentInfo? Current);

/// <summary>
/// A dry run's answer: <c>Matching</c> of <c>Examined</c> stored customers; <c>TraitsNotStored</c> names the rule's traits
/// only a whole customer holds: each counts as absent (as a trait a customer lacks does), so the count is then an estimate.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SegmentDryRunResult(
    [property: Id(0)] long Matching,
    [property: Id(1)] long Examined,
    [property: Id(2)] IReadOnlyList<string> TraitsNotStored);
