using Engagement.Gateway.Alerts;
using Engagement.Gateway.Api;
using Engagement.Gateway.Changes;
using Engagement.Gateway.WebConsole;
using Engagement.Gateway.Customers;
using Engagement.Gateway.Demo;
using Engagement.Gateway.Identity;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Limits;
using Engagement.Gateway.Metrics;
using Engagement.Gateway.Privacy;
using Engagement.Gateway.Push;
using Engagement.Gateway.Query;
using Engagement.Gateway.Security;
using Engagement.Gateway.Segments;
using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using OpenTelemetry.Trace;

namespace Engagement.Gateway.Hosting;

/// <summary>Builds and runs the gateway; kept apart from Program.cs so tests start the very same host.</summary>
public static class GatewayHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var app = Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is EngagementConfigurationException or OptionsValidationException)
        {
            // A bad configuration is one clear line, not a stack trace.
            await Console.Error.WriteLineAsync($"engagement: configuration error: {ex.Message}");
            return 2;
        }
    }

    /// <param name="args">Command-line configuration.</param>
    /// <param name="configureServices">Registrations that take precedence over the engine's defaults (tests: a fake business clock).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        // The gateway's own appsettings.json sits next to it, wherever it is started from; relative paths in
        // the configuration (the data folder) are relative to the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        EngagementSettings.AddRulesFile(builder.Configuration);
        var settings = EngagementSettings.Load(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        var ownGrpc = builder.ConfigureEngagementEndpoints();
        builder.AddEngagementTelemetry("engagement-gateway")
            .WithMetrics(m => m.AddAspNetCoreInstrumentation())
            .WithTracing(t => t.AddAspNetCoreInstrumentation());
        var keys = builder.AddEngagementSecurity(settings);
        builder.AddEngagementMetrics();
        if (settings.Options.Mode == EngagementMode.Embedded)
        {
            builder.UseOrleans(silo => silo.AddEngagement(settings));
        }
        else
        {
            builder.UseOrleansClient(client => client.AddEngagement(settings));
        }
        var ingest = builder.AddIngest();
        builder.AddCustomers();
        builder.AddIdentity();
        builder.AddAlerts();
        builder.AddPush();
        builder.AddChanges();
        builder.AddPrivacy();
        builder.AddDemoFeed(ownGrpc);
        builder.AddEngagementGrpc(ingest);
        builder.AddEngagementLimits(settings.Options.Limits);

        var app = builder.Build();
        app.UseOneSurfacePerEndpoint();
        // The console's files are public (they hold no data); everything they fetch carries a key.
        app.UseConsoleFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseEngagementLimits();
        app.MapIngest();
        app.MapCustomers();
        app.MapIdentity();
        app.MapAlerts();
        app.MapPush();
        app.MapChanges();
        app.MapPrivacy();
        app.MapEngagementHealth(settings.Options.ReflectionInForce);
        app.MapPopulationApi();
        app.MapConsoleApi();
        app.MapCasesApi();
        app.MapActivityApi();
        app.MapQuery();
        app.MapSegments();
        app.MapDemoApi();
        app.MapEngagementMetrics();
        if (settings.Options.Dashboard.Enabled) app.MapOrleansDashboard("/dashboard").RequireAuthorization(Policies.Admin);

        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app, settings, keys));
        return app;
    }

    private static void PrintBanner(WebApplication app, EngagementSettings settings, KeyRingInfo keys)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var mode = settings.Options.Mode == EngagementMode.Embedded ? "embedded: co-hosted silo, SQLite" : "cluster gateway: PostgreSQL";
        Console.WriteLine($"Engagement is running ({mode}).");
        Console.WriteLine($"  listening  {string.Join("  ", addresses)}");
        Console.WriteLine("             gRPC engagement.v1 (Ingest, Customers, Alerts, Changes, Query, Segments) with reflection; /health; /dashboard (admin)");
        if (settings.Options.Mode == EngagementMode.Embedded) Console.WriteLine($"  data       {settings.DataDirectory}");
        if (keys.KeysFile is not null) Console.WriteLine($"  keys       {keys.KeysFile}{(keys.Created ? " (created now: one key per role)" : "")}");
    }
}
