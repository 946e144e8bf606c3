namespace Engagement.Gateway.Alerts;

public static class AlertsExtensions
{
    /// <summary>The gateway's subscription to alert changes and the commands supervisors give.</summary>
    public static void AddAlerts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AlertBroadcaster>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertBroadcaster>());
        builder.Services.AddSingleton<AlertCommands>();
    }

    /// <summary><c>engagement.v1.Alerts</c>.</summary>
    public static void MapAlerts(this IEndpointRouteBuilder app) => app.MapGrpcService<AlertsService>();
}
