using System.Net;
using Engagement.Gateway.Hosting;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Metrics;

/// <summary>
/// Who may scrape <c>/metrics</c>, and where: real HTTP against the real engine. An admin key, or a request from a
/// configured network without a key; no key 401, another role 403; and never on the gRPC endpoint.
/// </summary>
public sealed class MetricsEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_an_admin_key_may_scrape_and_only_on_the_web_endpoint()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await ScrapeRequests.StatusAsync(engine, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await ScrapeRequests.StatusAsync(engine, "an-unknown-key-0123456789"));
        foreach (var key in new[] { TestKeys.Agent, TestKeys.Supervisor, TestKeys.Channel })
        {
            Assert.Equal(HttpStatusCode.Forbidden, await ScrapeRequests.StatusAsync(engine, key));
        }

        using (var http = engine.Http(TestKeys.Admin))
        {
            using var response = await http.GetAsync("/metrics", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("# TYPE engagement_push_watched_customers gauge", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // The gRPC endpoint answers other HTTP/2 requests (the control), but /metrics is not there, whatever the key.
        using (var health = await ScrapeRequests.Http2GetAsync(engine.GrpcAddress, "/health", null))
        {
            Assert.Equal((HttpStatusCode.OK, new Version(2, 0)), (health.StatusCode, health.Version));
        }
        foreach (var key in new[] { TestKeys.Admin, null })
        {
            using var response = await ScrapeRequests.Http2GetAsync(engine.GrpcAddress, "/metrics", key);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("engagement_", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_scraper_on_an_allowed_network_needs_no_key()
    {
        // One comma-separated value, as an environment variable gives it; the test's requests come from 127.0.0.1.
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: [new("Engagement:Metrics:AllowedNetworks", "192.0.2.0/24, 127.0.0.0/8")]);

        Assert.Equal(HttpStatusCode.OK, await ScrapeRequests.StatusAsync(engine, null));
        Assert.Equal(HttpStatusCode.OK, await ScrapeRequests.StatusAsync(engine, TestKeys.Agent));
        Assert.Equal(HttpStatusCode.OK, await ScrapeRequests.StatusAsync(engine, TestKeys.Admin));
        // The network opens /metrics only: the rest still wants its keys.
        using var http = engine.Http(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/population", Ct)).StatusCode);
        using var grpcPort = await ScrapeRequests.Http2GetAsync(engine.GrpcAddress, "/metrics", null);
        Assert.Equal(HttpStatusCode.NotFound, grpcPort.StatusCode);
    }

    [Fact]
    public async Task A_network_that_is_not_one_stops_the_engine_at_start()
    {
        var data = Directory.CreateTempSubdirectory("engagement-metrics-").FullName;
        try
        {
            var error = Assert.Throws<EngagementConfigurationException>(() => GatewayHost.Build(
            [
                "--Engagement:Mode=Embedded", $"--Engagement:DataDirectory={data}",
                "--Engagement:Metrics:AllowedNetworks:0=10.0.0.0/8", "--Engagement:Metrics:AllowedNetworks:1=10.0.0.300/8",
            ]));
            Assert.Contains("Engagement:Metrics:AllowedNetworks: '10.0.0.300/8'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }
}
