using Engagement.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Ingest;

public static class IngestExtensions
{
    /// <summary>The ingest pipeline (<c>Engagement:Ingest</c>, validated now) and the per-channel activity it reports.</summary>
    public static IngestOptions AddIngest(this WebApplicationBuilder builder)
    {
        var ingest = EngagementSettings.Bind(builder.Configuration, IngestOptions.Section, new IngestOptionsValidator());
        builder.Services.AddSingleton(Options.Create(ingest));
        builder.Services.AddSingleton<EventValidator>();
        builder.Services.AddSingleton<IngestPipeline>();
        builder.Services.AddSingleton<IngestActivity>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestActivity>());
        return ingest;
    }

    /// <summary><c>engagement.v1.Ingest</c>.</summary>
    public static void MapIngest(this IEndpointRouteBuilder app) => app.MapGrpcService<IngestService>();
}
