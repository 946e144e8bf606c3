using Engagement.Grains.Identity;

namespace Engagement.Gateway.Identity;

public static class IdentityExtensions
{
    /// <summary>The gateway's map of merged ids, kept current in the background.</summary>
    public static void AddIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdentityOptions>().BindConfiguration(IdentityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IdentityRedirects>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IdentityRedirects>());
    }

    /// <summary><c>engagement.v1.Identity</c> and the identity routes of the HTTP API.</summary>
    public static void MapIdentity(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<IdentityService>();
        app.MapIdentityApi();
    }
}
