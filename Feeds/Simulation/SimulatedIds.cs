namespace Engagement.Feeds.Simulation;

/// <summary>Event, order and ticket ids of one simulator run: unique per run, so a second run adds to the first.</summary>
public sealed class SimulatedIds(string runId)
{
    private long _next;

    public string Batch() => $"sim-{runId}-b{++_next}";

    public string Event() => $"sim-{runId}-e{++_next}";

    public string Order() => $"sim-{runId}-o{++_next}";

    public string Ticket() => $"sim-{runId}-t{++_next}";
}
