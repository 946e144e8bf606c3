namespace Engagement.Storage;

/// <summary>
/// The digests the journal has been given and not yet written: the latest per customer, written together at most once
/// per interval instead of with every commit. A digest row is upserted over its table and seven indexes, and most events
/// change the digest (its due time and churn risk move with each one): written with every commit, the digests' pages
/// were a third or more of what each commit wrote to the WAL, and the same few hundred pages were written again by the
/// next commit. Deferred, a customer's digest is written once per interval however many events it took, and the
/// digest pages once per interval for all customers. Only the journal's writer loop calls it (one thread at a time).
/// </summary>
/// <remarks>
/// Digests were never awaited (a digest lost in a crash is written again when the customer next changes or activates);
/// deferring widens that window from one commit to the interval. What must not wait asks: <see cref="GroupCommitJournal.WriteDigestAsync"/>
/// (a customer before its checkpoint, which would otherwise cover for a lost digest) and <see cref="GroupCommitJournal.FlushAsync"/>
/// (queries that read the digests, the silence poll and the population refit).
/// </remarks>
internal sealed class DeferredDigests : IDisposable
{
    private readonly Dictionary<string, CustomerDigest> _deferred = new(StringComparer.Ordinal);
    private readonly TimeSpan _interval;
    private readonly TimeProvider _clock;
    private readonly ITimer? _timer;
    private long _lastWritten;
    private int _timerArmed;
    // Whether the digests last taken were all that waited (the interval starts again once they are written).
    private bool _tookAll;

    /// <param name="due">Called (on a timer) when deferred digests have waited the interval: it posts a commit that writes them.</param>
    public DeferredDigests(TimeSpan interval, TimeProvider clock, Action due)
    {
        _interval = interval;
        _clock = clock;
        _lastWritten = clock.GetTimestamp();
        if (interval > TimeSpan.Zero)
        {
            _timer = clock.CreateTimer(_ =>
            {
                Volatile.Write(ref _timerArmed, 0);
                due();
            }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>How many customers' digests wait.</summary>
    public int Count => _deferred.Count;

    /// <summary>
    /// Takes the group's digests (the latest per customer wins) and returns those this commit writes: all that wait when
    /// the interval is up or the group asks for all; otherwise those the group asks for now; otherwise none.
    /// </summary>
    public IReadOnlyCollection<CustomerDigest> Take(IReadOnlyList<GroupCommitJournal.PendingAppend> group)
    {
        var all = _timer is null;
        List<string>? now = null;
        foreach (var pending in group)
        {
            if (pending.Flush == GroupCommitJournal.PendingAppend.All) all = true;
            if (pending.Digest is not { } digest) continue;
            _deferred[digest.CustomerId] = digest;
            if (pending.Flush == GroupCommitJournal.PendingAppend.Now) (now ??= []).Add(digest.CustomerId);
        }
        _tookAll = false;
        if (_deferred.Count == 0) return [];
        if (all || _clock.GetElapsedTime(_lastWritten) >= _interval)
        {
            _tookAll = true;
            return [.. _deferred.Values];
        }
        ArmTimer();
        if (now is null) return [];
        var taken = new Dictionary<string, CustomerDigest>(now.Count, StringComparer.Ordinal);
        foreach (var customerId in now) taken[customerId] = _deferred[customerId];
        return taken.Values;
    }

    /// <summary>The commit that carried <paramref name="written"/> is durable: they wait no more.</summary>
    public void Written(IReadOnlyCollection<CustomerDigest> written)
    {
        Forget(written);
        if (_tookAll) _lastWritten = _clock.GetTimestamp();
        if (_deferred.Count > 0) ArmTimer();
    }

    /// <summary>The store refused <paramref name="digests"/>: they are dropped, so that one bad digest cannot fail every later commit.</summary>
    public void Failed(IReadOnlyCollection<CustomerDigest> digests) => Forget(digests);

    private void Forget(IReadOnlyCollection<CustomerDigest> digests)
    {
        foreach (var digest in digests)
        {
            // A newer digest of the same customer that came meanwhile still waits.
            if (_deferred.TryGetValue(digest.CustomerId, out var current) && ReferenceEquals(current, digest)) _deferred.Remove(digest.CustomerId);
        }
    }

    private void ArmTimer()
    {
        if (_timer is null || Interlocked.CompareExchange(ref _timerArmed, 1, 0) != 0) return;
        var wait = _interval - _clock.GetElapsedTime(_lastWritten);
        _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer?.Dispose();
}
