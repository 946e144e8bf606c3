using Engagement.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Demo;

public static class DemoFeedExtensions
{
    /// <summary>
    /// The demo feed (<c>Engagement:Demo</c>, validated now), paced by the keyed <see cref="DemoFeed.PaceClockKey"/>
    /// clock (the system clock unless registered before), and stopped before the gateway stops.
    /// </summary>
    public static void AddDemoFeed(this WebApplicationBuilder builder, OwnGrpcEndpoint ownGrpc)
    {
        var options = EngagementSettings.Bind(builder.Configuration, DemoOptions.Section, new DemoOptionsValidator());
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(ownGrpc);
        builder.Services.TryAddKeyedSingleton(DemoFeed.PaceClockKey, TimeProvider.System);
        builder.Services.AddSingleton<DemoFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DemoFeed>());
    }
}
