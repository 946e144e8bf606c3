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
        var options = new EngagementOptions();
        try
        {
            configuration.GetSection(EngagementOptions.Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new EngagementConfigurationException($"{EngagementOptions.Section}: {ex.Message}");
        }
        var result = new EngagementOptionsValidator().Validate(null, options);
        if (result.Failed) throw new EngagementConfigurationException(string.Join("; ", result.Failures));
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
