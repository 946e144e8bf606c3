namespace Engagement.Grains.Hosting;

/// <summary>
/// The engine's business clock: "now" for event-time checks, evaluations (engagement decay, silence,
/// churn risk), the population's as-of time and the journal's recorded-at time. It is the keyed
/// <see cref="TimeProvider"/> <see cref="Key"/> (the system clock unless a host replaces it), kept apart
/// from the unkeyed one that Orleans and the infrastructure timers run on, so that tests can drive
/// business time with a FakeTimeProvider without freezing the runtime.
/// </summary>
public static class EngagementClock
{
    public const string Key = "engagement";
}
