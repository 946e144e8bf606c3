using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

public static class PushExtensions
{
    /// <summary>SignalR for agents and supervisors, with JSON and MessagePack.</summary>
    public static void AddPush(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AgentWatches>();
        builder.Services.AddSingleton<AgentAlerts>();
        builder.Services.AddSingleton<SupervisorConnections>();
        builder.Services.AddSignalR(o => o.AddFilter<Limits.HubConnectionLimitFilter>()).AddEngagementProtocols();
    }

    /// <summary><c>/hubs/agent</c> and <c>/hubs/supervisor</c>.</summary>
    public static void MapPush(this IEndpointRouteBuilder app)
    {
        app.MapHub<AgentHub>("/hubs/agent");
        app.MapHub<SupervisorHub>("/hubs/supervisor");
    }
}
