using Engagement.Grains.Hosting;

namespace Engagement.Grains.Customers;

/// <summary>
/// When a customer writes its checkpoint: once <see cref="CheckpointOptions.EveryEvents"/> applied events are
/// unsaved; otherwise once, a delay after the first unsaved one that each customer picks for itself between half
/// and all of <see cref="CheckpointOptions.MaxDelay"/> (customers that took events together would otherwise all
/// write at the same moment); and on deactivation. It decides; the grain owns the timer and the write.
/// </summary>
/// <remarks>
/// One per activation, so kept to a few fields. The timer is one-shot: a customer with nothing unsaved costs no
/// timer and no tick (periodic timers on every idle customer would tick for nothing, in proportion to the population).
/// </remarks>
public sealed class CheckpointPolicy(CheckpointOptions options, Random random)
{
    private long _savedVersion;

    /// <summary>Events applied since the last checkpoint written (replayed ones included).</summary>
    public int UnsavedEvents { get; private set; }

    /// <summary>Whether the grain has a checkpoint timer pending.</summary>
    public bool TimerArmed { get; private set; }

    /// <summary>The grain was activated from a checkpoint at <paramref name="checkpointVersion"/> and replayed <paramref name="replayed"/> journal entries after it.</summary>
    public void Activated(long checkpointVersion, int replayed)
    {
        _savedVersion = checkpointVersion;
        UnsavedEvents = replayed;
    }

    /// <summary>Events were applied: true when the checkpoint is due now; otherwise the grain asks <see cref="ArmTimer"/>.</summary>
    public bool Applied(int events)
    {
        UnsavedEvents += events;
        return UnsavedEvents >= options.EveryEvents;
    }

    /// <summary>
    /// The delay of a new one-shot timer, or null when one is pending already. Asked after events that did not
    /// make a checkpoint due (to bound how much a re-activation must replay even for a customer that goes quiet)
    /// and after a failed write, whoever asked for it.
    /// </summary>
    public TimeSpan? ArmTimer()
    {
        if (TimerArmed) return null;
        TimerArmed = true;
        return options.MaxDelay * (0.5 + random.NextDouble() / 2);
    }

    /// <summary>The timer fired (and is gone): true when the state at <paramref name="version"/> has not been written yet.</summary>
    public bool TimerFired(long version)
    {
        TimerArmed = false;
        return version != _savedVersion;
    }

    /// <summary>Something the card's version does not count changed (the alert book): the next timer or deactivation writes.</summary>
    public void Changed() => _savedVersion = -1;

    /// <summary>The checkpoint at <paramref name="version"/> was written.</summary>
    public void Saved(long version)
    {
        _savedVersion = version;
        UnsavedEvents = 0;
    }

    /// <summary>
    /// Whether to write on deactivation: when something is unsaved, unless the grain is deactivated for an
    /// application error (its state is then not to be trusted; the next activation replays the journal).
    /// </summary>
    public bool SaveOnDeactivation(long version, bool applicationError) => version != _savedVersion && !applicationError;
}
