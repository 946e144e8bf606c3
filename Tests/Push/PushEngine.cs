using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Push;

/// <summary>Keys beside <see cref="TestKeys"/> (whose supervisor sees every team): one supervisor per team, and agents named as the agent ids alerts are assigned to.</summary>
public static class PushKeys
{
    public const string NorthSupervisor = "test-supervisor-north-key-0123456789";
    public const string SouthSupervisor = "test-supervisor-south-key-0123456789";
    public const string Ada = "test-agent-ada-key-0123456789";
    public const string Bob = "test-agent-bob-key-0123456789";

    /// <summary>The name of <see cref="TestKeys.Supervisor"/>, unnamed in the configuration (index 2).</summary>
    public const string AllTeamsSupervisorName = "Engagement:Keys:2";

    public static IEnumerable<KeyValuePair<string, string>> Configuration() =>
    [
        .. Key(4, NorthSupervisor, "supervisor", "supervisor-north", "north"),
        .. Key(5, SouthSupervisor, "supervisor", "supervisor-south", "south"),
        .. Key(6, Ada, "agent", "ada"),
        .. Key(7, Bob, "agent", "bob"),
    ];

    private static IEnumerable<KeyValuePair<string, string>> Key(int index, string key, string role, string name, string? team = null)
    {
        yield return new($"Engagement:Keys:{index}:Key", key);
        yield return new($"Engagement:Keys:{index}:Role", role);
        yield return new($"Engagement:Keys:{index}:Name", name);
        if (team is not null) yield return new($"Engagement:Keys:{index}:Teams:0", team);
    }
}

/// <summary>The embedded engine with <see cref="PushKeys"/>, shared by the tests of one class.</summary>
public sealed class PushEngineFixture : IAsyncLifetime
{
    private EngineHost? _host;

    public EngineHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public EngineClient Client => Host.Client;

    public async ValueTask InitializeAsync() => _host = await EngineHost.StartEmbeddedAsync(settings: [.. TestLimits.Configuration(), .. PushKeys.Configuration()]);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>The quickest honest way to an alert: a detractor answer raises a satisfaction drop for any customer.</summary>
public static class AlertEvents
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Sets the customer's region (its team) and sends an NPS 3 answer; each call raises or refreshes its open satisfaction-drop alert.</summary>
    public static async Task RaiseAsync(EngineClient client, string customerId, string team)
    {
        var ack = await client.Ingest().SubmitAsync(Events.Batch(
            Events.Profile(customerId, Day, ("region", team)),
            Events.Nps(customerId, 3, Day.AddHours(1))), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, ack.Accepted);
    }
}
