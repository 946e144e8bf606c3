using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engagement.Gateway.Push;

public static class PushExtensions
{
    /// <summary>SignalR for agents and supervisors, with JSON and MessagePack.</summary>
    public static void AddPush(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AgentWatches>();
        builder.Services.AddSingleton<AgentAlerts>();
        builder.Services.AddSingleton<SupervisorConnections>();
        builder.Services.AddSignalR()
            .AddJsonProtocol(o => ConfigureJson(o.PayloadSerializerOptions))
            .AddMessagePackProtocol();
    }

    /// <summary>
    /// How cards and alerts are written as JSON to the hubs' clients (the console among them). Enums travel as names,
    /// as SignalR's MessagePack resolver writes them: one contract for both protocols.
    /// </summary>
    public static void ConfigureJson(JsonSerializerOptions options) => options.Converters.Add(new JsonStringEnumConverter());

    /// <summary><c>/hubs/agent</c> and <c>/hubs/supervisor</c>.</summary>
    public static void MapPush(this IEndpointRouteBuilder app)
    {
        app.MapHub<AgentHub>("/hubs/agent");
        app.MapHub<SupervisorHub>("/hubs/supervisor");
    }
}
