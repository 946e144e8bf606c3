using Engagement.Grains.Storage;
using Engagement.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Hosting;

/// <summary>Thrown at start for a configuration the engine cannot run with; its message is the one line the operator sees.</summary>
public sealed class EngagementConfigurationException(string message) : Exception(message);

/// <summary>The validated configuration every host reads before it builds: mode, store, ports.</summary>
public sealed record EngagementSettings(EngagementOptions Options, StoreKind Store, string ConnectionString, string DataDirectory)
{
    public const string ConnectionStringName = "Engagement";

    public static EngagementSettings Load(IConfiguration configuration)
    {
        var options = Bind(configuration, EngagementOptions.Section, new EngagementOptionsValidator());
        _ = ResolveTimeZone(options.TimeZone);

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        if (options.Mode == EngagementMode.Embedded)
        {
            var file = Path.Combine(dataDirectory, "engagement.db");
            return new(options, StoreKind.Sqlite, $"Data Source={file};Pooling=True;Default Timeout=30", dataDirectory);
        }

        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new EngagementConfigurationException(
                $"Engagement:Mode is Cluster, so ConnectionStrings:{ConnectionStringName} must name the PostgreSQL database.");
        }
        return new(options, StoreKind.PostgreSql, connectionString, dataDirectory);
    }

    /// <summary>
    /// Binds and validates an options section before the host is built, so that a bad value stops the
    /// process with one clear line instead of failing later inside a hosted service.
    /// </summary>
    public static TOptions Bind<TOptions>(IConfiguration configuration, string section, IValidateOptions<TOptions> validator)
        where TOptions : class, new()
    {
        var options = new TOptions();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new EngagementConfigurationException($"{section}: {ex.Message}");
        }
        var result = validator.Validate(null, options);
        if (result.Failed) throw new EngagementConfigurationException($"{section}: {string.Join("; ", result.Failures)}");
        return options;
    }

    public PurchaseCalendar Calendar => new(ResolveTimeZone(Options.TimeZone));

    private static TimeZoneInfo ResolveTimeZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new EngagementConfigurationException($"Engagement:TimeZone: '{id}' is not a known time zone.");
        }
    }
}

[OptionsValidator]
public sealed partial class EngagementOptionsValidator : IValidateOptions<EngagementOptions>;
