using Engagement.Feeds;
using Engagement.Load.Workload;

namespace Engagement.Load.Run;

/// <summary>One load run, as given on the command line.</summary>
public sealed record LoadSettings
{
    public required Uri Target { get; init; }

    public required int Streams { get; init; }

    public required int Customers { get; init; }

    public required CustomerSkew Skew { get; init; }

    public required double ZipfExponent { get; init; }

    /// <summary>Events per second over all streams; null: as fast as acknowledgements allow.</summary>
    public required double? Rate { get; init; }

    /// <summary>How long to send; the run stops at whichever of this and <see cref="Count"/> comes first.</summary>
    public required TimeSpan Duration { get; init; }

    public required long? Count { get; init; }

    public required int BatchSize { get; init; }

    public required int InFlight { get; init; }

    public required EventMix Mix { get; init; }

    public required double DuplicateRate { get; init; }

    public required double InvalidRate { get; init; }

    public required int Watch { get; init; }

    /// <summary>How the watched customers' cards are followed.</summary>
    public required PushTransport Push { get; init; }

    /// <summary>The engine's web endpoint, where the SignalR hubs are (for <see cref="PushTransport.SignalR"/>).</summary>
    public required Uri Web { get; init; }

    public required string CustomerPrefix { get; init; }

    public required int Seed { get; init; }

    /// <summary>The engine's processes (a gateway and a silo in the cluster profile), each with its descendants, whose CPU the report gives per event.</summary>
    public IReadOnlyList<int> EnginePids { get; init; } = [];

    /// <summary>The store's processes (PostgreSQL's postmaster, whose backends are its children), reported beside the engine's.</summary>
    public IReadOnlyList<int> StorePids { get; init; } = [];

    /// <summary>How long to wait for the last acknowledgements and cards once sending has stopped.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The push transports a run can watch cards over.</summary>
public enum PushTransport
{
    /// <summary>The agent hub, <c>/hubs/agent</c>, as an agent's browser follows its customers (issue 7's measure).</summary>
    SignalR,

    /// <summary><c>Customers.Watch</c>, one server stream per customer.</summary>
    Grpc,
}
