using Engagement.Contracts.Alerts;
using Engagement.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using AlertRecord = Engagement.Contracts.Alerts.Alert;

namespace Engagement.Tests.Push;

/// <summary>
/// The alerts that follow value, over SignalR: a customer's churn warning from silence alone, and later its tier alert
/// on leaving tier A, reach the agent watching that customer and the supervisors, with both protocols. Entering tier A
/// is information (the card and the decision log say so), not an alert.
/// </summary>
public sealed class ValueAlertPushTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task A_churn_warning_and_leaving_tier_A_reach_the_watching_agent_and_the_supervisor(string protocol)
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

        // A big spender with a weekly rhythm: tier C (nothing known) becomes A at the first evaluation: information only.
        await engine.Client.SubmitAcceptedAsync([.. Enumerable.Range(0, 6).Select(i => Events.Purchase(customer, 900, T0.AddDays(-7 * (5 - i))))]);
        var card = await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("A", card.Tier);
        Assert.Contains(card.DecisionLog, d => d.Kind == "Tier" && d.From == "C" && d.To == "A");
        var tierAlerts = engine.Services.GetRequiredService<IGrainFactory>().GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(customer, AlertKind.TierChange));
        Assert.Null(await tierAlerts.Current());

        // Then silence: when business time passes the customer's due time, the warning comes with no event.
        clock.SetUtcNow(card.RiskRisesAt.ToDateTimeOffset().AddMinutes(1));
        var churnForAgent = await NextOfKindAsync(agent, customer, "ChurnWarning");
        var churnForSupervisor = await NextOfKindAsync(supervisor, customer, "ChurnWarning");
        Assert.Equal(churnForAgent.AlertId, churnForSupervisor.AlertId);
        // Severity follows value: an A-tier customer at risk is critical.
        Assert.Equal("Critical", churnForAgent.Severity.ToString());
        Assert.Equal("AtRisk", churnForAgent.Context.Stage);
        Assert.Contains(churnForAgent.Reasons, r => r.Contains("chance still active", StringComparison.Ordinal));
        Assert.Null(await tierAlerts.Current());

        // A refund of nearly everything takes the customer out of tier A: that move is an alert (Warning).
        await engine.Client.SubmitAcceptedAsync(new Event
        {
            EventId = Events.NewId(), CustomerId = customer, Channel = "web", OccurredAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow().AddMinutes(-1)),
            Refund = new Refund { Amount = 5390, Currency = "USD", OrderId = "o-refund" },
        });
        var tierForAgent = await NextOfKindAsync(agent, customer, "TierChange");
        var tierForSupervisor = await NextOfKindAsync(supervisor, customer, "TierChange");
        Assert.Equal(tierForAgent.AlertId, tierForSupervisor.AlertId);
        Assert.StartsWith("Tier change: A → ", tierForAgent.Title, StringComparison.Ordinal);
        Assert.Equal("Warning", tierForAgent.Severity.ToString());
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
