using Microsoft.Extensions.Hosting;

namespace Engagement.Grains.Hosting;

/// <summary>The silo host of a cluster; the Silo project's Program.cs runs it and tests start the very same host.</summary>
public static class SiloHost
{
    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        EngagementSettings.AddRulesFile(builder.Configuration);
        var settings = EngagementSettings.Load(builder.Configuration);
        builder.AddEngagementTelemetry("engagement-silo");
        builder.UseOrleans(silo => silo.AddEngagement(settings));
        return builder.Build();
    }
}
