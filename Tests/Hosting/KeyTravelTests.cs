using System.Net;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Reflection.V1Alpha;

namespace Engagement.Tests.Hosting;

/// <summary>
/// Issue 15, item 5: keys travel only where they must, and each port serves its own surface. Each test failed on the
/// code before: <c>?access_token=</c> opened the admin API, the console and the API answered on the gRPC port, and
/// reflection could not be keyed.
/// </summary>
public sealed class KeyTravelTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_in_the_query_string_opens_the_hubs_only_not_the_http_api()
    {
        using var http = engine.Host.Http(null);

        using var admin = await http.PostAsync($"/api/demo/stop?access_token={Uri.EscapeDataString(TestKeys.Admin)}", null, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode);
        using var me = await http.GetAsync($"/api/me?access_token={Uri.EscapeDataString(TestKeys.Agent)}", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);

        // The same key as a header is fine; on a hub, the query string is how browsers must send it (AgentHubTests).
        using var withHeader = engine.Host.Http(TestKeys.Agent);
        Assert.Equal(HttpStatusCode.OK, (await withHeader.GetAsync("/api/me", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/api/me")]
    [InlineData("/api/demo")]
    [InlineData("/dashboard")]
    [InlineData("/hubs/agent/negotiate?negotiateVersion=1")]
    public async Task The_grpc_port_serves_grpc_and_health_only(string path)
    {
        using var response = await ScrapeRequests.Http2GetAsync(engine.Host.GrpcAddress, path, TestKeys.Admin);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        using var health = await ScrapeRequests.Http2GetAsync(engine.Host.GrpcAddress, "/health", null);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_web_port_serves_no_grpc()
    {
        // A channel's client pointed at the console's port: HTTP/1.1 only there, so no gRPC call gets through, keyed or not.
        using var client = new EngineClient(engine.Host.WebAddress);
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.Ingest().SubmitAsync(
            Events.Batch(Events.Visit($"web-port-{Guid.NewGuid():N}", DateTimeOffset.UtcNow.AddMinutes(-1))), cancellationToken: Ct).ResponseAsync);
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
        using var http = engine.Host.Http(null);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task Keyed_reflection_answers_a_key_and_refuses_a_caller_without_one()
    {
        await using var keyed = await EngineHost.StartEmbeddedAsync(settings: [new("Engagement:Reflection", "Keyed")]);

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => ListServicesAsync(keyed.Client.Channel.CreateCallInvoker()));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);

        var withKey = keyed.Client.Channel.Intercept(m =>
        {
            m.Add("authorization", $"Bearer {TestKeys.Channel}");
            return m;
        });
        Assert.Contains("engagement.v1.Ingest", await ListServicesAsync(withKey));
    }

    internal static async Task<IReadOnlyList<string>> ListServicesAsync(CallInvoker invoker)
    {
        using var call = new ServerReflection.ServerReflectionClient(invoker).ServerReflectionInfo(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }, Ct);
        await call.RequestStream.CompleteAsync();
        if (!await call.ResponseStream.MoveNext(Ct)) return [];
        return [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
    }
}
