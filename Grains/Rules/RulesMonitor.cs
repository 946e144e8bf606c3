using Engagement.Grains.Hosting;
using Engagement.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Rules;

/// <summary>
/// The rules in force (<c>Engagement:Rules</c>), hot-reloaded: a valid change takes effect at the next
/// evaluation; an invalid one is refused with a clear log line and the previous rules stay in force.
/// </summary>
public sealed partial class RulesMonitor : IDisposable
{
    private readonly ILogger<RulesMonitor> _logger;
    private readonly IDisposable? _subscription;
    private readonly TimeProvider _clock;
    private volatile RulesSnapshot _current;

    public RulesMonitor(IOptionsMonitor<EngagementRules> rules, TimeProvider machineClock, ILogger<RulesMonitor> logger)
    {
        _logger = logger;
        _clock = machineClock;
        var initial = rules.CurrentValue;
        var errors = initial.Validate();
        if (errors.Count > 0) throw new EngagementConfigurationException($"{EngagementRules.SectionName}: {string.Join("; ", errors)}");
        _current = new RulesSnapshot(initial, 1, machineClock.GetUtcNow(), null);
        _subscription = rules.OnChange(OnChange);
    }

    public EngagementRules Current => _current.Rules;

    /// <summary>The rules in force with their version, and why the last refused change was refused.</summary>
    public RulesSnapshot Snapshot => _current;

    private void OnChange(EngagementRules rules)
    {
        var previous = _current;
        var errors = rules.Validate();
        if (errors.Count > 0)
        {
            var reason = string.Join("; ", errors);
            _current = previous with { LastRefusal = reason };
            LogRefused(_logger, previous.Version, reason);
            return;
        }
        _current = new RulesSnapshot(rules, previous.Version + 1, _clock.GetUtcNow(), null);
        LogReloaded(_logger, previous.Version + 1);
        Reloaded?.Invoke(previous, _current);
    }

    /// <summary>Raised after a valid change is in force, with the rules before it and the rules now.</summary>
    public event Action<RulesSnapshot, RulesSnapshot>? Reloaded;

    public void Dispose() => _subscription?.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Rules change refused, rules version {Version} stays in force: {Reason}")]
    private static partial void LogRefused(ILogger logger, long version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rules reloaded: version {Version} is in force")]
    private static partial void LogReloaded(ILogger logger, long version);
}

public sealed record RulesSnapshot(EngagementRules Rules, long Version, DateTimeOffset Since, string? LastRefusal);
