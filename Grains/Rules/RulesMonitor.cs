using System.Text.Json;
using Engagement.Grains.Hosting;
using Engagement.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Rules;

/// <summary>
/// The rules in force (<c>Engagement:Rules</c>), hot-reloaded: a valid change takes effect at the next
/// evaluation; an invalid one is refused with a clear log line and the previous rules stay in force. Once the segment
/// catalog has loaded the segments stored centrally (<see cref="UseSegments"/>), those replace the file's: the file only
/// seeds the store (<see cref="Segments.SegmentCatalog"/>).
/// </summary>
public sealed partial class RulesMonitor : IDisposable
{
    private readonly ILogger<RulesMonitor> _logger;
    private readonly IDisposable? _subscription;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private volatile RulesSnapshot _current;
    private EngagementRules _file;
    private StoredSegments? _stored;
    private Func<long, CancellationToken, Task>? _segmentSource;

    public RulesMonitor(IOptionsMonitor<EngagementRules> rules, TimeProvider machineClock, ILogger<RulesMonitor> logger)
    {
        _logger = logger;
        _clock = machineClock;
        var initial = rules.CurrentValue;
        var errors = initial.Validate();
        if (errors.Count > 0) throw new EngagementConfigurationException($"{EngagementRules.SectionName}: {string.Join("; ", errors)}");
        _file = initial;
        _current = new RulesSnapshot(initial, 1, machineClock.GetUtcNow(), null);
        _subscription = rules.OnChange(OnChange);
    }

    public EngagementRules Current => _current.Rules;

    /// <summary>The rules in force with their version, and why the last refused change was refused.</summary>
    public RulesSnapshot Snapshot => _current;

    /// <summary>The rules file's rules in force (its segments are the seed of the store's).</summary>
    public EngagementRules FileRules => _file;

    private void OnChange(EngagementRules rules)
    {
        var errors = rules.Validate();
        RulesSnapshot previous, current;
        lock (_gate)
        {
            previous = _current;
            if (errors.Count > 0)
            {
                var reason = string.Join("; ", errors);
                _current = previous with { LastRefusal = reason };
                LogRefused(_logger, previous.Version, reason);
                return;
            }
            _file = rules;
            current = _current = new RulesSnapshot(Compose(rules, _stored), previous.Version + 1, _clock.GetUtcNow(), null, previous.SegmentsRevision);
        }
        LogReloaded(_logger, current.Version);
        Reloaded?.Invoke(previous, current);
    }

    /// <summary>
    /// Puts the segments stored centrally at <paramref name="revision"/> in force in place of the file's (each rule parsed
    /// already); a revision older than the one in force is ignored.
    /// </summary>
    public void UseSegments(IReadOnlyDictionary<string, string> segments, long revision)
    {
        RulesSnapshot previous, current;
        lock (_gate)
        {
            previous = _current;
            if (_stored is { } stored && stored.Revision >= revision) return;
            _stored = new StoredSegments(segments, revision);
            current = _current = new RulesSnapshot(Compose(_file, _stored), previous.Version + 1, _clock.GetUtcNow(), null, revision);
        }
        LogSegmentsLoaded(_logger, current.Version, revision, segments.Count);
        Reloaded?.Invoke(previous, current);
    }

    /// <summary>Where <see cref="EnsureSegmentsAsync"/> loads the stored segments from (the silo's segment catalog).</summary>
    public void AttachSegmentSource(Func<long, CancellationToken, Task> ensure) => _segmentSource = ensure;

    /// <summary>Loads the stored segments if those in force are older than <paramref name="revision"/> (a no-op without a catalog).</summary>
    public Task EnsureSegmentsAsync(long revision, CancellationToken cancellationToken = default) =>
        revision <= _current.SegmentsRevision || _segmentSource is not { } source ? Task.CompletedTask : source(revision, cancellationToken);

    /// <summary>The file's rules with the stored segments in place of its own (a copy: a rules instance in use is not changed).</summary>
    private static EngagementRules Compose(EngagementRules file, StoredSegments? stored)
    {
        if (stored is null) return file;
        var rules = JsonSerializer.Deserialize<EngagementRules>(JsonSerializer.SerializeToUtf8Bytes(file))!;
        rules.Segments = new Dictionary<string, string>(stored.Segments, StringComparer.OrdinalIgnoreCase);
        return rules;
    }

    private sealed record StoredSegments(IReadOnlyDictionary<string, string> Segments, long Revision);

    /// <summary>Raised after a valid change is in force, with the rules before it and the rules now.</summary>
    public event Action<RulesSnapshot, RulesSnapshot>? Reloaded;

    public void Dispose() => _subscription?.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Rules change refused, rules version {Version} stays in force: {Reason}")]
    private static partial void LogRefused(ILogger logger, long version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Segments of revision {Revision} loaded ({Count} segments): rules version {Version} is in force")]
    private static partial void LogSegmentsLoaded(ILogger logger, long version, long revision, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rules reloaded: version {Version} is in force")]
    private static partial void LogReloaded(ILogger logger, long version);
}

/// <param name="SegmentsRevision">The revision of the stored segments in force (0: the file's own, before the catalog loaded).</param>
public sealed record RulesSnapshot(EngagementRules Rules, long Version, DateTimeOffset Since, string? LastRefusal, long SegmentsRevision = 0);
