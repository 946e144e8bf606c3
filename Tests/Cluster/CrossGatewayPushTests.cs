using System.Collections.Concurrent;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Cluster;

/// <summary>
/// Two gateways and two silos on PostgreSQL: a change caused through gateway A reaches an agent on
/// gateway B, supervisors on both see every alert, and when a silo is killed while they watch, the
/// watches recover and no alert is lost or doubled.
/// </summary>
public sealed class CrossGatewayPushTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Short watch expiry: gateways renew (and catch up) every two seconds.
    private static readonly KeyValuePair<string, string>[] FastRenewal = [new("Engagement:Push:WatchExpiry", "00:00:08")];

    [Fact]
    public async Task Pushes_cross_gateways_and_survive_a_killed_silo()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var connectionString = await postgres.CreateDatabaseAsync("push", Ct);
        var clusterId = $"push-{Guid.NewGuid():N}";
        var settings = new[] { ClusterSilo.Settings(connectionString, clusterId).ToList(), ClusterSilo.Settings(connectionString, clusterId).ToList() };
        var ports = settings.Select(s => int.Parse(s.Single(kv => kv.Key == "Engagement:Silo:SiloPort").Value)).ToArray();
        await using var first = await EngineProcess.StartSiloAsync([.. settings[0], .. FastRenewal]);
        await using var second = await EngineProcess.StartSiloAsync([.. settings[1], .. FastRenewal]);
        await using var gatewayA = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId, FastRenewal);
        await using var gatewayB = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId, FastRenewal);

        // The silo that will be killed is the one the watched customer lives on, so its watch has to move.
        var watched = $"watched-{Guid.NewGuid():N}";
        await SubmitAsync(gatewayA, Events.Purchase(watched, 10, DateTimeOffset.UtcNow.AddDays(-3)));
        var grains = gatewayA.Services.GetRequiredService<IGrainFactory>();
#pragma warning disable xUnit1051 // the management grain takes no token
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<Contracts.Customers.ICustomerGrain>(watched));
#pragma warning restore xUnit1051
        Assert.NotNull(host);
        var victim = Array.IndexOf(ports, host.Endpoint.Port);
        Assert.True(victim >= 0, $"the watched customer is on {host}, not on a silo of this test");
        var (doomed, survivor) = victim == 0 ? (first, second) : (second, first);
        using var watch = gatewayB.Client.Customers().Watch(new WatchCustomerRequest { CustomerId = watched }, cancellationToken: Ct);
        var cards = Collect(watch.ResponseStream);
        using var supervisorA = gatewayA.Client.Alerts().Watch(new WatchAlertsRequest(), cancellationToken: Ct);
        using var supervisorB = gatewayB.Client.Alerts().Watch(new WatchAlertsRequest(), cancellationToken: Ct);
        var alertsA = Collect(supervisorA.ResponseStream);
        var alertsB = Collect(supervisorB.ResponseStream);

        // Through A, seen on B.
        await SubmitAsync(gatewayA, Events.Purchase(watched, 10, DateTimeOffset.UtcNow.AddDays(-2)));
        await SubmitAsync(gatewayA, Events.Visit(watched, DateTimeOffset.UtcNow.AddDays(-1)));
        await Wait.UntilAsync(() => Task.FromResult(cards.Any(c => c.EventCount == 3)), TimeSpan.FromSeconds(30), "gateway B sees the changes made through A");

        var before = await DetractorAsync(gatewayA);
        await Wait.UntilAsync(() => Task.FromResult(Has(alertsA, before) && Has(alertsB, before)), TimeSpan.FromSeconds(30), "both supervisors see the alert");

        await doomed.KillAsync();

        // Events keep coming through A (a channel retries what fails while the cluster notices the dead
        // silo); the agent on B sees them once its watch has recovered.
        await SubmitAsync(gatewayA, Events.Visit(watched, DateTimeOffset.UtcNow.AddMinutes(-30)));
        await Wait.UntilAsync(() => Task.FromResult(cards.Any(c => c.EventCount == 4)), TimeSpan.FromSeconds(90), "the watch on B recovers after the silo is killed");

        var after = new List<string>();
        foreach (var gateway in new[] { gatewayA, gatewayB, gatewayA, gatewayB }) after.Add(await DetractorAsync(gateway));
        await Wait.UntilAsync(() => Task.FromResult(after.All(c => Has(alertsA, c) && Has(alertsB, c))), TimeSpan.FromSeconds(90),
            "both supervisors see every alert raised after the silo was killed");

        var versions = cards.Select(c => c.Version).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        foreach (var alerts in new[] { alertsA, alertsB })
        {
            var sequences = alerts.Select(a => a.Sequence).ToList();
            Assert.Equal(sequences.Count, sequences.Distinct().Count());
            foreach (var customer in after.Append(before))
            {
                Assert.Single(alerts, a => a.CustomerId == customer && a.Kind == "SatisfactionDrop");
            }
        }
        Assert.False(survivor.HasExited);
    }

    private static bool Has(ConcurrentQueue<Alert> alerts, string customer) => alerts.Any(a => a.CustomerId == customer);

    private static ConcurrentQueue<T> Collect<T>(IAsyncStreamReader<T> stream)
    {
        var items = new ConcurrentQueue<T>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in stream.ReadAllAsync()) items.Enqueue(item);
            }
            catch (RpcException)
            {
                // The call ended with the test.
            }
        });
        return items;
    }

    /// <summary>Submits until acknowledged, as a channel would: a retry of the same event ids counts once.</summary>
    private static async Task SubmitAsync(EngineHost gateway, params Event[] events)
    {
        var batch = Events.Batch(events);
        await Wait.UntilAsync(async () =>
        {
            var ack = await gateway.Client.Ingest().SubmitAsync(batch, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: Ct);
            return ack.Accepted + ack.Duplicates == events.Length;
        }, TimeSpan.FromSeconds(90), "the batch is acknowledged");
    }

    private static async Task<string> DetractorAsync(EngineHost gateway)
    {
        var customer = $"detractor-{Guid.NewGuid():N}";
        await SubmitAsync(gateway, new Event
        {
            EventId = Events.NewId(), CustomerId = customer, Channel = "email", OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
            Survey = new Survey { Nps = 1 },
        });
        return customer;
    }
}
