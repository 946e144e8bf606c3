using Engagement.Tests.Hosting;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Engagement.Tests.Cluster;

/// <summary>
/// Issue 15, item 5: reflection answered without a key. A cluster gateway configured with nothing about reflection keys it
/// (embedded engines keep it open for a developer's grpcurl: HostingTests).
/// </summary>
public sealed class ClusterReflectionTests(ClusterEngineFixture cluster) : IClassFixture<ClusterEngineFixture>
{
    [Fact]
    public async Task A_cluster_gateway_keys_reflection_by_default()
    {
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => KeyTravelTests.ListServicesAsync(cluster.Client.Channel.CreateCallInvoker()));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);

        var withKey = cluster.Client.Channel.Intercept(m =>
        {
            m.Add("authorization", $"Bearer {TestKeys.Channel}");
            return m;
        });
        Assert.Contains("engagement.v1.Ingest", await KeyTravelTests.ListServicesAsync(withKey));
    }
}
