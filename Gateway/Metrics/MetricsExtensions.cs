using Engagement.Grains.Alerts;
using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace Engagement.Gateway.Metrics;

/// <summary>
/// The Prometheus scrape endpoint <c>/metrics</c>: every meter the gateway's OpenTelemetry collects (the engine's
/// <c>Engagement</c> meter, ASP.NET Core's, Orleans'), on the <c>Web</c> endpoint only, for an admin key or an allowed network.
/// </summary>
public static class MetricsExtensions
{
    public const string Path = "/metrics";

    public static WebApplicationBuilder AddEngagementMetrics(this WebApplicationBuilder builder)
    {
        var options = EngagementSettings.Bind(builder.Configuration, MetricsOptions.Section, new MetricsOptionsValidator());
        // One comma-separated value (handy in an environment variable) binds to no list item: read it as well.
        if (builder.Configuration[$"{MetricsOptions.Section}:{nameof(MetricsOptions.AllowedNetworks)}"] is { Length: > 0 } csv)
        {
            options.AllowedNetworks.Add(csv);
        }
        IReadOnlyList<System.Net.IPNetwork> networks;
        try
        {
            networks = options.Networks();
        }
        catch (FormatException ex)
        {
            throw new EngagementConfigurationException($"{MetricsOptions.Section}:{ex.Message}");
        }

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());
        builder.Services.AddHostedService(sp => new OpenAlertCensus(
            sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<TimeProvider>(), options.OpenAlertsMaxAge, sp.GetRequiredService<ILogger<OpenAlertCensus>>()));
        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsAccess.Policy, MetricsAccess.Build(networks));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, WebEndpointOnlyPolicy>());
        return builder;
    }

    public static IEndpointConventionBuilder MapEngagementMetrics(this WebApplication app) =>
        app.MapPrometheusScrapingEndpoint(Path)
            .WithMetadata(new WebEndpointOnly())
            .RequireAuthorization(MetricsAccess.Policy);
}
