using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Engagement.Tests.Cluster;

/// <summary>
/// Issue 15, acceptance 3: a silo killed with SIGKILL in the middle of a silence wave loses no warning. Two silo processes
/// on the fixture's PostgreSQL; many customers each have a complaint that becomes overdue, on the real clock, within a
/// few seconds of the others' (the complaint's open time is set back by the rules' overdue days), so that the silence
/// schedule, not an event, raises each one's escalation. One silo is killed while the wave runs. In the end every
/// customer has its escalation in the alert store, raised exactly once, and none is due any more. Alone (no other test
/// beside it): the wave runs on the real clock, and two silos, a gateway and PostgreSQL beside another test's processes
/// on two cores made the failover outlast the wait.
/// </summary>
[Collection(SilenceWaveCollection.Name)]
public sealed class SilenceWaveFailoverTests
{
    private const int Customers = 240;
    private const double OverdueDays = 7; // the rules' default ComplaintOverdueDays

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_silo_killed_during_a_silence_wave_loses_no_warning_and_raises_none_twice()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var connectionString = await postgres.CreateDatabaseAsync("wave", Ct);
        var clusterId = $"wave-{Guid.NewGuid():N}";
        var settings = Enumerable.Range(0, 2)
            .Select(_ => ClusterSilo.Settings(connectionString, clusterId).Append(new("Engagement:Silence:PollInterval", "00:00:00.200")).ToList())
            .ToArray();
        var ports = settings.Select(s => int.Parse(s.Single(kv => kv.Key == "Engagement:Silo:SiloPort").Value)).ToArray();
        await using var first = await EngineProcess.StartSiloAsync(settings[0]);
        await using var second = await EngineProcess.StartSiloAsync(settings[1]);
        await using var gateway = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId, TestLimits.Configuration());
        var client = gateway.Client;

        // Buyers of equal spend, all tier A once the population is fitted (the escalation of a tier C customer is only
        // informational, and not raised).
        var run = Guid.NewGuid().ToString("N")[..8];
        var customers = Enumerable.Range(0, Customers).Select(i => $"wave-{run}-{i}").ToArray();
        await client.SubmitAcceptedAsync([.. customers.Select(c => Events.Purchase(c, 25, DateTimeOffset.UtcNow.AddHours(-1)))]);
        await gateway.UntilSweptAsync(await gateway.RefitOverHttpAsync());
        Assert.Equal("A", (await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customers[0] }, cancellationToken: Ct)).Tier);

        // Every customer's complaint becomes overdue in the wave's window, a while after they are all in.
        var waveStart = DateTimeOffset.UtcNow.AddSeconds(20);
        var window = TimeSpan.FromSeconds(20);
        await client.SubmitAcceptedAsync([.. customers.Select((c, i) =>
            Events.Complaint(c, ComplaintSeverity.Medium, waveStart + window * i / Customers - TimeSpan.FromDays(OverdueDays)))]);
        Assert.Empty(await EscalationsAsync(client, run));

        // Mid-wave: a quarter of the warnings are out. The silo killed hosts the most of these customers.
        await Wait.UntilAsync(async () => (await EscalationsAsync(client, run)).Count >= Customers / 4, TimeSpan.FromSeconds(120),
            "the wave begins");
        var management = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
#pragma warning disable xUnit1051 // the management grain takes no token; WaitAsync carries the test's
        var statistics = await management.GetSimpleGrainStatistics().WaitAsync(Ct);
#pragma warning restore xUnit1051
        var hosted = ports.Select(port => statistics
            .Where(s => s.GrainType.Contains("CustomerGrain", StringComparison.Ordinal) && s.SiloAddress.Endpoint.Port == port)
            .Sum(s => s.ActivationCount)).ToArray();
        var (doomed, survivor) = hosted[0] >= hosted[1] ? (first, second) : (second, first);
        await doomed.KillAsync();
        var seenAtKill = (await EscalationsAsync(client, run)).Count;
        Assert.True(seenAtKill < Customers, $"the wave was over before the kill ({seenAtKill} warnings); customer activations per silo: {string.Join(", ", hosted)}");

        // The survivor takes over the dead silo's shards (their reminders) and customers; every warning comes, once.
        await Wait.UntilAsync(async () => (await EscalationsAsync(client, run)).Count == Customers && await StillDueAsync(connectionString, run) == 0,
            TimeSpan.FromMinutes(4), "every customer's escalation is raised and none is due any more");
        var escalations = await EscalationsAsync(client, run);
        Assert.Equal(customers.Order(StringComparer.Ordinal), escalations.Select(a => a.CustomerId).Order(StringComparer.Ordinal));
        Assert.All(escalations, a => Assert.Equal(1, a.Occurrences));
        Assert.All(escalations, a => Assert.EndsWith("|1", a.AlertId, StringComparison.Ordinal));
        Assert.False(survivor.HasExited);
    }

    /// <summary>The open complaint escalations of this run's customers, from the alert store (paged).</summary>
    private static async Task<IReadOnlyList<Alert>> EscalationsAsync(EngineClient client, string run)
    {
        var alerts = new List<Alert>();
        var token = "";
        do
        {
            ListAlertsResponse page;
            try
            {
                page = await client.Alerts().ListAsync(new ListAlertsRequest { PageSize = 100, PageToken = token },
                    deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: Ct);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                return alerts; // the cluster is still noticing the dead silo
            }
            alerts.AddRange(page.Alerts.Where(a => a.Kind == "ComplaintEscalation" && a.CustomerId.StartsWith($"wave-{run}-", StringComparison.Ordinal)));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return alerts;
    }

    /// <summary>This run's customers whose stored due time has passed: the silence schedule still owes them a check.</summary>
    private static async Task<long> StillDueAsync(string connectionString, string run)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT COUNT(*) FROM engagement_customer_digest WHERE customer_id LIKE @run AND due_at <= @now", connection);
        command.Parameters.AddWithValue("run", $"wave-{run}-%");
        command.Parameters.AddWithValue("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SilenceWaveCollection
{
    public const string Name = "Silence wave failover, alone";
}
