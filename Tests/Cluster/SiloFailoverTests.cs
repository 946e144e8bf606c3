using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Cluster;

/// <summary>Two silos on PostgreSQL; one is killed with SIGKILL while it hosts customers.</summary>
public sealed class SiloFailoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Customers_of_a_killed_silo_reactivate_on_the_other_with_no_acknowledged_event_lost()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var connectionString = await postgres.CreateDatabaseAsync("failover", Ct);
        var clusterId = $"failover-{Guid.NewGuid():N}";

        var settings = new[] { ClusterSilo.Settings(connectionString, clusterId).ToList(), ClusterSilo.Settings(connectionString, clusterId).ToList() };
        var ports = settings.Select(s => int.Parse(s.Single(kv => kv.Key == "Engagement:Silo:SiloPort").Value)).ToArray();
        await using var first = await EngineProcess.StartSiloAsync(settings[0]);
        await using var second = await EngineProcess.StartSiloAsync(settings[1]);
        await using var gateway = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId);
        var client = gateway.Client;

        var customers = Enumerable.Range(0, 60).Select(i => $"failover-{i}-{Guid.NewGuid():N}").ToArray();
        var start = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var batches = Enumerable.Range(0, 4)
            .Select(b => Events.Batch([.. customers.Select(c => Events.Purchase(c, 10, start.AddDays(b)))]))
            .ToList();
        foreach (var batch in batches)
        {
            var ack = await client.Ingest().SubmitAsync(batch, cancellationToken: Ct);
            Assert.Equal(customers.Length, ack.Accepted);
        }

        // The silo killed is the one hosting the most of these customers (placement may favour either), so
        // there always are customers that must move.
        var management = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        // The management grain takes no token; WaitAsync carries the test's.
#pragma warning disable xUnit1051
        var statistics = await management.GetSimpleGrainStatistics().WaitAsync(Ct);
#pragma warning restore xUnit1051
        var hosted = ports.Select(port => statistics
            .Where(s => s.GrainType.Contains("CustomerGrain", StringComparison.Ordinal) && s.SiloAddress.Endpoint.Port == port)
            .Sum(s => s.ActivationCount)).ToArray();
        var victim = hosted[0] >= hosted[1] ? 0 : 1;
        var (doomed, survivor) = victim == 0 ? (first, second) : (second, first);
        Assert.True(hosted[victim] >= 1, $"customer activations per silo: {string.Join(", ", hosted)}");

        await doomed.KillAsync();

        // Until the cluster declares the dead silo dead, calls to its customers fail and are retried,
        // as a channel would; afterwards every customer answers from the survivor with all its events.
        foreach (var customer in customers)
        {
            CustomerCard? card = null;
            await Wait.UntilAsync(async () =>
            {
                card = await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: Ct);
                return true;
            }, TimeSpan.FromSeconds(90), $"customer {customer} answers after the silo was killed");
            Assert.Equal(batches.Count, card!.EventCount);
            Assert.Equal(batches.Count, card.PurchaseDays);
        }

        foreach (var batch in batches)
        {
            var again = await client.Ingest().SubmitAsync(batch, cancellationToken: Ct);
            Assert.Equal((0, customers.Length), (again.Accepted, again.Duplicates));
        }
        var more = await client.Ingest().SubmitAsync(
            Events.Batch([.. customers.Select(c => Events.Purchase(c, 1, start.AddDays(10)))]), cancellationToken: Ct);
        Assert.Equal(customers.Length, more.Accepted);
        Assert.False(survivor.HasExited);
    }
}
