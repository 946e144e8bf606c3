using Engagement.Grains.Retention;
using Engagement.Storage;
using Engagement.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Engagement.Grains.Hosting;

/// <summary>Thrown at start for a configuration the engine cannot run with; its message is the one line the operator sees.</summary>
public sealed class EngagementConfigurationException(string message) : Exception(message);

/// <summary>The validated configuration every host reads before it builds: mode, store, ports.</summary>
/// <param name="ConnectionString">The event journal and the customers' digests (and, on PostgreSQL, everything else).</param>
/// <param name="GrainStateConnectionString">
/// Grain state (customer checkpoints, the population statistics), alerts and reminders. On PostgreSQL the same
/// database. On SQLite a file of its own (<c>grains.db</c> beside <c>engagement.db</c>): SQLite has one writer per
/// file, and the checkpoint and alert group commits would otherwise queue behind (and hold up) the journal's.
/// </param>
public sealed record EngagementSettings(EngagementOptions Options, StoreKind Store, string ConnectionString, string GrainStateConnectionString, string DataDirectory)
{
    /// <summary>
    /// Orleans' ADO.NET parts (membership, reminders): the store's connection string with a pool of their own size. Npgsql
    /// pools per connection string, so this pool and the engine's data source together stay within
    /// <see cref="StoreOptions.MaxConnections"/> (a gateway opens only this one).
    /// </summary>
    public string OrleansConnectionString { get; init; } = ConnectionString;

    public const string ConnectionStringName = "Engagement";

    /// <summary>
    /// A cluster silo that listens beyond loopback without TLS lets anyone who reaches its ports call grains past every
    /// key: refused, unless <see cref="SiloEndpointOptions.AllowInsecure"/> says the network is private (then warned at start).
    /// </summary>
    private static void CheckSiloExposure(SiloEndpointOptions silo)
    {
        if (silo.Tls.Enabled || silo.AllowInsecure || !ListensBeyondLoopback(silo)) return;
        throw new EngagementConfigurationException(
            $"Engagement:Silo:AdvertisedAddress is {silo.AdvertisedAddress}: the silo listens beyond loopback (ports {silo.SiloPort}, {silo.GatewayPort}) " +
            "without TLS, so whoever reaches them calls grains past every key. Set Engagement:Silo:Tls:CertificatePath (mutual TLS), " +
            "or Engagement:Silo:AllowInsecure=true on a network only silos and gateways reach.");
    }

    /// <summary>Whether a cluster silo with these settings listens on more than loopback.</summary>
    public static bool ListensBeyondLoopback(SiloEndpointOptions silo) =>
        !string.IsNullOrWhiteSpace(silo.AdvertisedAddress) && !(System.Net.IPAddress.TryParse(silo.AdvertisedAddress, out var address) && System.Net.IPAddress.IsLoopback(address));

    public static EngagementSettings Load(IConfiguration configuration)
    {
        var options = Bind(configuration, EngagementOptions.Section, new EngagementOptionsValidator());
        options.Alerts.HideFromSupervisors(options.Privacy.HiddenFromSupervisors);
        foreach (var (name, shards) in new[] { ("Population", options.Population.Shards), ("Silence", options.Silence.Shards) })
        {
            if (CustomerDigest.Buckets % shards != 0)
            {
                throw new EngagementConfigurationException($"Engagement:{name}:Shards: {shards} does not divide {CustomerDigest.Buckets}.");
            }
        }
        var rules = new EngagementRules();
        configuration.GetSection(EngagementRules.SectionName).Bind(rules);
        var errors = rules.Validate();
        if (errors.Count > 0) throw new EngagementConfigurationException($"{EngagementRules.SectionName}: {string.Join("; ", errors)}");
        // Checked here, before the host is built, so that a bad retention setting is one line (the silo binds it again for its job).
        Bind(configuration, RetentionOptions.Section, new RetentionOptionsValidator());

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        if (options.Mode == EngagementMode.Embedded)
        {
            static string Sqlite(string file) => $"Data Source={file};Pooling=True;Default Timeout=30";
            return new(options, StoreKind.Sqlite, Sqlite(Path.Combine(dataDirectory, "engagement.db")), Sqlite(Path.Combine(dataDirectory, "grains.db")), dataDirectory);
        }

        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new EngagementConfigurationException(
                $"Engagement:Mode is Cluster, so ConnectionStrings:{ConnectionStringName} must name the PostgreSQL database.");
        }
        CheckSiloExposure(options.Silo);
        var store = options.Store;
        if (store.OrleansConnections >= store.MaxConnections)
        {
            throw new EngagementConfigurationException(
                $"Engagement:Store:OrleansConnections ({store.OrleansConnections}) must leave room under MaxConnections ({store.MaxConnections}).");
        }
        string Pooled(int size)
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(connectionString)
                {
                    MaxPoolSize = size,
                    Timeout = (int)Math.Ceiling(store.ConnectionWait.TotalSeconds),
                }.ConnectionString;
            }
            catch (ArgumentException ex)
            {
                throw new EngagementConfigurationException($"ConnectionStrings:{ConnectionStringName}: {ex.Message}");
            }
        }
        var engine = Pooled(store.MaxConnections - store.OrleansConnections);
        return new(options, StoreKind.PostgreSql, engine, engine, dataDirectory) { OrleansConnectionString = Pooled(store.OrleansConnections) };
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

    /// <summary>
    /// Adds the rules file (<c>Engagement:RulesFile</c>, default <c>&lt;DataDirectory&gt;/rules.json</c>) to the
    /// configuration, watched for changes, so rules can be tuned without a restart. The file holds rules only: of what
    /// it says, just <c>Engagement:Rules</c> is read, so a file beside the data cannot add keys, rebind Kestrel or move the
    /// store (those come from the command line, the environment and appsettings).
    /// </summary>
    public static string AddRulesFile(IConfigurationManager configuration)
    {
        var path = configuration[$"{EngagementOptions.Section}:{nameof(EngagementOptions.RulesFile)}"] is { Length: > 0 } file
            ? Path.GetFullPath(file)
            : Path.Combine(Path.GetFullPath(configuration[$"{EngagementOptions.Section}:{nameof(EngagementOptions.DataDirectory)}"] is { Length: > 0 } data ? data : "data"), "rules.json");
        // The file may come later; its folder must exist for the watcher.
        // Owner-only: by default this is the data folder, which holds personal data.
        var folder = OwnerOnly.Folder(Path.GetDirectoryName(path)!).FullName;
        // Polled, not watched through inotify: the default folder is the data folder, and a watcher there
        // wakes on every page SQLite writes beside the rules (a fifth of the engine's CPU under load).
        configuration.Add(new PolledJsonFileSource(folder) { Path = Path.GetFileName(path), Optional = true, ReloadOnChange = true });
        return path;
    }

    /// <summary>A JSON file polled for changes; each provider built has its own poller, stopped when it is disposed.</summary>
    private sealed class PolledJsonFileSource(string folder) : JsonConfigurationSource
    {
        public override IConfigurationProvider Build(IConfigurationBuilder builder)
        {
            var files = new PhysicalFileProvider(folder) { UsePollingFileWatcher = true, UseActivePolling = true };
            return new Provider(new JsonConfigurationSource { FileProvider = files, Path = Path!, Optional = Optional, ReloadOnChange = ReloadOnChange, OnLoadException = OnLoadException }, files);
        }

        private sealed class Provider(JsonConfigurationSource source, PhysicalFileProvider files) : JsonConfigurationProvider(source)
        {
            private static readonly string RulesPrefix = $"{EngagementRules.SectionName}{ConfigurationPath.KeyDelimiter}";

            public override void Load(Stream stream)
            {
                base.Load(stream);
                Data = Data.Where(pair => pair.Key.StartsWith(RulesPrefix, StringComparison.OrdinalIgnoreCase)
                        || pair.Key.Equals(EngagementRules.SectionName, StringComparison.OrdinalIgnoreCase))
                    .ToDictionary(StringComparer.OrdinalIgnoreCase);
            }

            protected override void Dispose(bool disposing)
            {
                base.Dispose(disposing);
                if (disposing) files.Dispose();
            }
        }
    }
}

[OptionsValidator]
public sealed partial class EngagementOptionsValidator : IValidateOptions<EngagementOptions>;
