using Engagement.Gateway.Alerts;
using Engagement.Gateway.Api;
using Engagement.Gateway.WebConsole;
using Engagement.Gateway.Customers;
using Engagement.Gateway.Demo;
using Engagement.Gateway.Ingest;
using Engagement.Gateway.Metrics;
using Engagement.Gateway.Push;
using Engagement.Gateway.Security;
using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
        // The named endpoints keep their roles whatever their URLs: gRPC needs HTTP/2 without TLS (prior
        // knowledge), browsers and SignalR want HTTP/1.1. The demo feed calls the Grpc endpoint as bound.
        var ownGrpc = new OwnGrpcEndpoint();
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: false)
            .Endpoint("Grpc", endpoint =>
            {
                endpoint.ListenOptions.Protocols = HttpProtocols.Http2;
                ownGrpc.Capture(endpoint.ListenOptions);
            })
            .Endpoint("Web", endpoint => endpoint.ListenOptions.Protocols = HttpProtocols.Http1));

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

        var ingest = EngagementSettings.Bind(builder.Configuration, IngestOptions.Section, new IngestOptionsValidator());
        builder.Services.AddSingleton(Options.Create(ingest));
        builder.Services.AddSingleton<EventValidator>();
        builder.Services.AddSingleton<IngestPipeline>();
        builder.Services.AddSingleton<IngestActivity>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestActivity>());
        builder.Services.AddSingleton<CardFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CardFeed>());
        builder.Services.AddSingleton<AlertBroadcaster>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertBroadcaster>());
        builder.Services.AddSingleton<AlertCommands>();
        builder.Services.AddSingleton<AgentWatches>();
        builder.Services.AddSingleton<AgentAlerts>();
        builder.Services.AddSingleton<SupervisorConnections>();
        builder.AddDemoFeed(ownGrpc);
        // Enums travel as names in JSON too, as SignalR's MessagePack resolver writes them: one contract for both.
        builder.Services.AddSignalR()
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .AddMessagePackProtocol();

        builder.Services.AddGrpc(o =>
        {
            // Room above the batch limit, so that an oversize batch gets a clear InvalidArgument from the
            // ingest check instead of the transport's ResourceExhausted.
            o.MaxReceiveMessageSize = checked(ingest.MaxBatchBytes * 2);
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddProblemDetails();
        builder.Services.AddGrpcHealthChecks().AddCheck<EngineHealthCheck>("engine");

        var app = builder.Build();
        // The console's files are public (they hold no data); everything they fetch carries a key.
        app.UseConsoleFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGrpcService<IngestService>();
        app.MapGrpcService<CustomersService>();
        app.MapGrpcService<AlertsService>();
        app.MapHub<AgentHub>("/hubs/agent");
        app.MapHub<SupervisorHub>("/hubs/supervisor");
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/health");
        app.MapPopulationApi();
        app.MapConsoleApi();
        app.MapCustomerLookupApi();
        app.MapActivityApi();
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
        Console.WriteLine("             gRPC engagement.v1 (Ingest, Customers, Alerts) with reflection; /health; /dashboard (admin)");
        if (settings.Options.Mode == EngagementMode.Embedded) Console.WriteLine($"  data       {settings.DataDirectory}");
        if (keys.KeysFile is not null) Console.WriteLine($"  keys       {keys.KeysFile}{(keys.Created ? " (created now: one key per role)" : "")}");
    }
}
