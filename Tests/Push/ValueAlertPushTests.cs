using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using AlertRecord = Engagement.Contracts.Alerts.Alert;

namespace Engagement.Tests.Push;

/// <summary>
/// The alerts that follow value, over SignalR: a customer's tier change, and later its churn warning
/// from silence alone, reach the agent watching that customer and the supervisors, with both protocols.
/// </summary>
public sealed class ValueAlertPushTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task A_tier_change_and_a_churn_warning_reach_the_watching_agent_and_the_supervisor(string protocol)
    {
        var clock = new FakeTimeProvider(T0);
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: [new("Engagement:Silence:PollInterval", "00:00:00.200")],
            services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));
        await engine.Client.SubmitAcceptedAsync(SimulatedPopulation.Purchases(T0));
        await engine.RefitFittedAsync();

        var customer = $"vip-{Guid.NewGuid():N}";
        await using var agent = await PushClient.ConnectAsync(new Uri(engine.WebAddress, "/hubs/agent"), TestKeys.Agent, protocol);
        await using var supervisor = await PushClient.ConnectAsync(new Uri(engine.WebAddress, "/hubs/supervisor"), TestKeys.Supervisor, protocol);
        await agent.WatchAsync(customer);

        // A big spender with a weekly rhythm: tier C (nothing known) becomes A at the first evaluation.
        await engine.Client.SubmitAcceptedAsync([.. Enumerable.Range(0, 6).Select(i => Events.Purchase(customer, 900, T0.AddDays(-7 * (5 - i))))]);
        var tierForAgent = await NextOfKindAsync(agent, customer, "TierChange");
        var tierForSupervisor = await NextOfKindAsync(supervisor, customer, "TierChange");
        Assert.Equal(tierForAgent.AlertId, tierForSupervisor.AlertId);
        Assert.Equal("Tier change: C → A", tierForAgent.Title);
        Assert.Equal("Warning", tierForAgent.Severity.ToString());
        Assert.Equal("A", tierForAgent.Context.Tier);

        // Then silence: when business time passes the customer's due time, the warning comes with no event.
        var card = await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: TestContext.Current.CancellationToken);
        clock.SetUtcNow(card.RiskRisesAt.ToDateTimeOffset().AddMinutes(1));
        var churnForAgent = await NextOfKindAsync(agent, customer, "ChurnWarning");
        var churnForSupervisor = await NextOfKindAsync(supervisor, customer, "ChurnWarning");
        Assert.Equal(churnForAgent.AlertId, churnForSupervisor.AlertId);
        // Severity follows value: an A-tier customer at risk is critical.
        Assert.Equal("Critical", churnForAgent.Severity.ToString());
        Assert.Equal("AtRisk", churnForAgent.Context.Stage);
        Assert.Contains(churnForAgent.Reasons, r => r.Contains("chance still active", StringComparison.Ordinal));
    }

    private static async Task<AlertRecord> NextOfKindAsync(PushClient client, string customer, string kind)
    {
        while (true)
        {
            var alert = await client.NextAlertAsync(customer);
            if (alert.Kind.ToString() == kind) return alert;
        }
    }
}
