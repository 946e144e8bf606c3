namespace Engagement.Feeds.Simulation;

/// <summary>What the channel simulator plays.</summary>
public sealed record SimulationOptions
{
    public int Customers { get; init; } = 500;

    /// <summary>Customer ids are this prefix and a number: the same customers on every run.</summary>
    public string CustomerPrefix { get; init; } = "sim-";

    /// <summary>How far back the customers' history starts.</summary>
    public int HistoryDays { get; init; } = 120;

    /// <summary>The seed of the customers' traits and events: the same seed, the same customers.</summary>
    public int Seed { get; init; } = 1997;

    /// <summary>Part of every event id, so that a second run adds events instead of repeating the first's.</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>The most events in one batch.</summary>
    public int BatchSize { get; init; } = 500;
}
