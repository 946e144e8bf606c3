using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Engagement.Grains.Hosting;

/// <summary>Logs, traces and metrics through OpenTelemetry, exported over OTLP when an endpoint is configured.</summary>
public static class TelemetryExtensions
{
    public static OpenTelemetryBuilder AddEngagementTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m.AddMeter(EngagementMeter.Name, "Microsoft.Orleans"))
            .WithTracing(t => t.AddSource(EngagementMeter.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"));
        // The standard OTEL_EXPORTER_OTLP_* variables (or configuration keys) switch the exporter on.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
        return telemetry;
    }
}
