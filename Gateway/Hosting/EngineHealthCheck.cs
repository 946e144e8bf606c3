using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engagement.Gateway.Hosting;

/// <summary>Healthy when the cluster answers: at least one active silo is reachable from this gateway.</summary>
public sealed class EngineHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // The management grain takes no token; the wait below bounds the call instead.
#pragma warning disable CA2016
            var hosts = grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
#pragma warning restore CA2016
            var silos = await hosts.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return silos.Count > 0
                ? HealthCheckResult.Healthy($"{silos.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("the cluster does not answer", ex);
        }
    }
}
