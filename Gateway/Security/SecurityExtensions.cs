using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.Authentication;

namespace Engagement.Gateway.Security;

public static class SecurityExtensions
{
    /// <summary>
    /// Keys from <c>Engagement:Keys</c>, plus the keys file (<c>Engagement:KeysFile</c>; in embedded mode
    /// <c>&lt;data&gt;/keys.json</c> by default, created on first start), read again when either changes (<see cref="KeyReloader"/>).
    /// </summary>
    public static KeyRingInfo AddEngagementSecurity(this WebApplicationBuilder builder, EngagementSettings settings)
    {
        var ring = new KeyRing();
        try
        {
            var keysFile = builder.Configuration["Engagement:KeysFile"] is { Length: > 0 } file
                ? Path.GetFullPath(file)
                : settings.Options.Mode == EngagementMode.Embedded ? Path.Combine(settings.DataDirectory, "keys.json") : null;
            var created = keysFile is not null && KeyRing.CreateFileIfMissing(keysFile);
            ring.Replace(KeyRing.Read(builder.Configuration, keysFile));

            builder.Services.AddSingleton(ring);
            builder.Services.AddHostedService(sp => new KeyReloader(ring, sp.GetRequiredService<IConfiguration>(), keysFile, sp.GetRequiredService<ILogger<KeyReloader>>()));
            builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
            builder.Services.AddAuthorizationBuilder()
                .AddPolicy(Policies.Ingest, p => p.RequireRole(Roles.Channel))
                .AddPolicy(Policies.ReadCustomers, p => p.RequireRole(Roles.Agent, Roles.Supervisor, Roles.Admin))
                .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
                .AddPolicy(Policies.SuperviseAlerts, p => p.RequireRole(Roles.Supervisor, Roles.Admin))
                .AddPolicy(Policies.Integrate, p => p.RequireRole(Roles.Integration, Roles.Admin));
            return new KeyRingInfo(keysFile, created);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            throw new EngagementConfigurationException($"Keys: {ex.Message}");
        }
    }
}

public sealed record KeyRingInfo(string? KeysFile, bool Created);
