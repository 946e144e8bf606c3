namespace Engagement.Gateway.Privacy;

public static class PrivacyExtensions
{
    public static void AddPrivacy(this WebApplicationBuilder builder) => builder.Services.AddSingleton<PersonalDataExport>();

    /// <summary><c>engagement.v1.Privacy</c> and the HTTP privacy API.</summary>
    public static void MapPrivacy(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<PrivacyService>();
        app.MapPrivacyApi();
    }
}
