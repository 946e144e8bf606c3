namespace Engagement.Feeds;

/// <summary>
/// How fast a feed goes: a position (days of data for a replay, events for the simulator) that advances at
/// <see cref="Speed"/> units per second of the given machineClock, from the first batch on. The speed can change while
/// the feed runs, from any thread: the position stays continuous and a batch that is waiting re-plans at once.
/// A speed of zero means unpaced (as fast as the engine acknowledges).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The change sources hold no timer and no registration; a waiter may still be linking to the current one, so none is disposed.")]
public sealed class FeedPace
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private double _speed;
    private bool _started;
    private double _anchorPosition;
    private long _anchorTimestamp;
    private CancellationTokenSource _changed = new();

    public FeedPace(double speed, TimeProvider machineClock)
    {
        _speed = Checked(speed);
        _clock = machineClock;
    }

    private static double Checked(double speed, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(speed))] string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(speed, name);
        return double.IsFinite(speed) ? speed : throw new ArgumentOutOfRangeException(name, speed, "must be finite");
    }

    public double Speed
    {
        get
        {
            lock (_lock) return _speed;
        }
        set
        {
            Checked(value);
            CancellationTokenSource changed;
            lock (_lock)
            {
                if (_started)
                {
                    // One reading of the machineClock: the new speed takes over exactly where the old one has got to.
                    var now = _clock.GetTimestamp();
                    _anchorPosition = PositionAt(now);
                    _anchorTimestamp = now;
                }
                _speed = value;
                changed = _changed;
                _changed = new CancellationTokenSource();
            }
            // Wakes the batch that waits under the old speed; it plans again under the new one. The old source is
            // not disposed: a waiter may still be linking to its token, and it holds no timer.
            changed.Cancel();
        }
    }

    /// <summary>
    /// Waits until the position reaches <paramref name="position"/>. The first call starts the machineClock at its
    /// position, so a feed's first batch goes at once wherever its data begins.
    /// </summary>
    public async Task WaitUntilAsync(double position, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TimeSpan delay;
            CancellationToken changed;
            lock (_lock)
            {
                var now = _clock.GetTimestamp();
                if (!_started)
                {
                    _started = true;
                    _anchorPosition = position;
                    _anchorTimestamp = now;
                    return;
                }
                var current = PositionAt(now);
                if (_speed <= 0 || current >= position) return;
                delay = TimeSpan.FromSeconds((position - current) / _speed);
                // Below a timer's resolution: near enough (and no spin on a machineClock that does not move).
                if (delay < Resolution) return;
                changed = _changed.Token;
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, changed);
            try
            {
                await Task.Delay(delay, _clock, wake.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The speed changed: plan again.
            }
        }
    }

    private double PositionAt(long timestamp) =>
        _anchorPosition + _clock.GetElapsedTime(_anchorTimestamp, timestamp).TotalSeconds * _speed;
}
