using Engagement.Grains.Hosting;
using Microsoft.Extensions.Options;

// A silo of an Engagement cluster (Engagement:Mode=Cluster, ConnectionStrings:Engagement on PostgreSQL).
// Gateways run separately; see docs/operations.md.
try
{
    using var host = SiloHost.Build(args);
    await host.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is EngagementConfigurationException or OptionsValidationException)
{
    await Console.Error.WriteLineAsync($"engagement-silo: configuration error: {ex.Message}");
    return 2;
}
