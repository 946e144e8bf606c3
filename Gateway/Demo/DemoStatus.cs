namespace Engagement.Gateway.Demo;

/// <summary>The states of the demo feed, as <c>GET /api/demo</c> names them.</summary>
public static class DemoState
{
    public const string Idle = "idle";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Stopped = "stopped";
    public const string Failed = "failed";
}

/// <summary>
/// The demo feed's progress (<c>GET /api/demo</c>): the current or last feed. <see cref="Speed"/> is days of data per
/// second for a replay, events per second for the simulator; <see cref="CurrentDay"/> the data day a replay has
/// reached (as in the file, before rebasing); <see cref="Total"/> is null for the simulator, which runs until stopped.
/// </summary>
public sealed record DemoStatus(
    string State,
    string? Kind,
    string? Source,
    long Sent,
    long Accepted,
    long Duplicates,
    long Rejected,
    long? Total,
    double Speed,
    DateTimeOffset? StartedAt,
    DateOnly? CurrentDay,
    string? Error)
{
    /// <summary>
    /// The feed has ended and its closing refit and check of every customer it fed are still going: until then the
    /// tiers, stages and alerts are not yet what the replay leaves.
    /// </summary>
    public bool Closing { get; init; }

    public static DemoStatus Idle { get; } = new(DemoState.Idle, null, null, 0, 0, 0, 0, null, DemoFeed.DefaultReplaySpeed, null, null, null);
}

/// <summary>A file the demo can replay (<c>GET /api/demo/files</c>).</summary>
public sealed record DemoFile(string Name, long Bytes);

/// <summary>A feed is already running: one at a time.</summary>
public sealed class DemoFeedBusyException(DemoStatus status) : Exception($"A demo feed is already running ({status.Kind} of {status.Source}); stop it first.");

/// <summary>A change that needs a running feed, with none running.</summary>
public sealed class DemoFeedNotRunningException() : Exception("No demo feed is running.");
