using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Console;

/// <summary>
/// The console API on the cluster profile: one silo and two gateways (Orleans clients) on a real PostgreSQL.
/// What goes in through one gateway is found, counted and listed through the other.
/// </summary>
public sealed class ClusterConsoleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lookup_recent_customers_activity_and_flow_span_the_gateways()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var connectionString = await postgres.CreateDatabaseAsync("console", Ct);
        var clusterId = $"console-{Guid.NewGuid():N}";
        using var silo = SiloHost.Build([.. ClusterSilo.Settings(connectionString, clusterId).Select(kv => $"--{kv.Key}={kv.Value}")]);
        await silo.StartAsync(Ct);
        try
        {
            await using var a = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId);
            await using var b = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId);
            var at = DateTimeOffset.UtcNow.AddHours(-1);

            await a.Client.SubmitAcceptedAsync(Events.Purchase("dana", 25, at), Events.Profile("dana", at, ("phone", "+49 30 1234 5678"), ("email", "Dana@Example.org")));
            await b.Client.SubmitAcceptedAsync(Events.Purchase("eve", 25, at.AddMinutes(1)), Events.Purchase("frank", 25, at.AddMinutes(2)));

            using var http = b.Http(TestKeys.Agent);
            var match = await http.GetFromJsonAsync<JsonElement>("/api/customers/lookup?q=%2B4930-12345678", Ct);
            Assert.Equal(("dana", "phone"), (match.GetProperty("customerId").GetString(), match.GetProperty("matchedBy").GetString()));
            match = await http.GetFromJsonAsync<JsonElement>("/api/customers/lookup?q=dana%40example.org", Ct);
            Assert.Equal(("dana", "email"), (match.GetProperty("customerId").GetString(), match.GetProperty("matchedBy").GetString()));

            // Accepted events of both gateways: three purchases on web, one profile update on crm.
            using var other = a.Http(TestKeys.Supervisor);
            await ConsoleAssertions.WaitForActivityAsync(other, ("web", 3), ("crm", 1));
            await Wait.UntilAsync(async () =>
            {
                var recent = await http.GetFromJsonAsync<JsonElement[]>("/api/customers/recent", Ct);
                return recent!.Select(r => r.GetProperty("customerId").GetString()).Order().SequenceEqual(["dana", "eve", "frank"]);
            }, TimeSpan.FromSeconds(30), "the customers of both gateways are recent");
            await Wait.UntilAsync(async () =>
            {
                var flow = await other.GetFromJsonAsync<JsonElement>("/api/population/flow", Ct);
                return flow.GetProperty("stageMoves").EnumerateArray().Any(m =>
                    m.GetProperty("from").GetString() == "Prospect" && m.GetProperty("to").GetString() == "New" && m.GetProperty("count").GetInt64() == 3);
            }, TimeSpan.FromSeconds(30), "three first purchases, through both gateways, in the flow");
        }
        finally
        {
            await silo.StopAsync(CancellationToken.None);
        }
    }
}
