using System.Net;
using Engagement.Grains.Alerts;
using Engagement.Grains.Changes;
using Engagement.Grains.Customers;
using Engagement.Grains.Silence;
using Engagement.Grains.Population;
using Engagement.Grains.Retention;
using Engagement.Grains.Rules;
using Engagement.Model;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace Engagement.Grains.Hosting;

/// <summary>
/// The one place that says how a silo and a client of this engine are put together, so the Silo host,
/// the embedded Gateway and the tests all run the same code path.
/// </summary>
public static class EngagementHosting
{
    /// <summary>Configures a silo: clustering, grain storage, the journal, reminders and the dashboard.</summary>
    public static ISiloBuilder AddEngagement(this ISiloBuilder silo, EngagementSettings settings)
    {
        AddShared(silo.Services, settings);
        AddModelSerializer(silo.Services);
        AddClustering(silo, settings);
        AddStore(silo, settings);
        silo.AddIncomingGrainCallFilter<StoreFaultFilter>();
        AddRules(silo.Services);
        Segments.SegmentHosting.AddSegments(silo.Services);
        AddPopulation(silo.Services);
        AddAlerts(silo.Services);
        silo.Services.AddHostedService<SilenceScheduler>();
        silo.Services.AddRetention();
        if (settings.Options.Dashboard.Enabled) silo.AddDashboard(o => Configure(o, settings.Options.Dashboard));
        return silo;
    }

    /// <summary>
    /// The model's own types (population statistics and samples) cross silos as JSON, through the silo-internal
    /// population grain interfaces; clients see only the contract records, so only silos need this.
    /// </summary>
    private static void AddModelSerializer(IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(
            isSupported: type => type.Namespace?.StartsWith("Engagement.Model", StringComparison.Ordinal) == true));

    /// <summary>Embedded: localhost clustering on loopback. Cluster: membership in the store, endpoints as configured.</summary>
    private static void AddClustering(ISiloBuilder silo, EngagementSettings settings)
    {
        var options = settings.Options;
        silo.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = options.ServiceId;
            o.ClusterId = options.ClusterId;
        });
        if (options.Mode == EngagementMode.Embedded)
        {
            silo.UseLocalhostClustering(options.Silo.SiloPort, options.Silo.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        }
        else
        {
            var address = string.IsNullOrWhiteSpace(options.Silo.AdvertisedAddress) ? IPAddress.Loopback : IPAddress.Parse(options.Silo.AdvertisedAddress);
            silo.ConfigureEndpoints(address, options.Silo.SiloPort, options.Silo.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
            ClusterTls.Configure(silo, options.Silo);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = StoreSchema.InvariantOf(settings.Store);
                o.ConnectionString = settings.OrleansConnectionString;
            });
        }
        // Failure detection can be tuned (tests make it fast): Engagement:Silo:Membership maps onto ClusterMembershipOptions.
        silo.Services.AddOptions<ClusterMembershipOptions>().BindConfiguration("Engagement:Silo:Membership");
    }

    /// <summary>Reminders, the grouped checkpoints, the journal (also the population's digests) and the alert store.</summary>
    private static void AddStore(ISiloBuilder silo, EngagementSettings settings)
    {
        var options = settings.Options;
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = StoreSchema.InvariantOf(settings.Store);
            // SQLite: the grain-state file; PostgreSQL: Orleans' own small pool (the connection budget).
            o.ConnectionString = settings.Store == StoreKind.Sqlite ? settings.GrainStateConnectionString : settings.OrleansConnectionString;
        });
        // Checkpoints of many customers per transaction, written off the grain scheduler.
        silo.Services.AddGrainStorage(StorageNames.Customers, (sp, _) => new GroupedGrainStorage(
            sp.GetRequiredService<StoreDatabases>().GrainState,
            new JsonGrainStorageSerializer(), options.Checkpoint.MaxWritesPerCommit, sp.GetRequiredService<ILogger<GroupedGrainStorage>>()));
        silo.Services.AddSingleton(sp => new GroupCommitJournal(
            sp.GetRequiredService<StoreDatabases>().Journal, options.Journal.MaxEntriesPerCommit, sp.GetRequiredService<ILogger<GroupCommitJournal>>(),
            sp.GetRequiredService<ChangeFeedWriter>()));
        silo.Services.AddSingleton<IEventJournal>(sp => sp.GetRequiredService<GroupCommitJournal>());
        silo.Services.AddSingleton<IPopulationStore>(sp => sp.GetRequiredService<GroupCommitJournal>());
        // On SQLite, alerts are written beside the grain state, not in the journal's file: an alert save
        // would otherwise wait for SQLite's one writer behind the journal's group commits.
        silo.Services.AddSingleton<IAlertStore>(sp => new SqlAlertStore(sp.GetRequiredService<StoreDatabases>().GrainState, sp.GetRequiredService<ChangeSignal>()));
        AddChangeFeedWriters(silo.Services);
        Identity.IdentityHosting.AddIdentity(silo.Services);
    }

    /// <summary>The change feed's writers: the digests' decisions in the journal's commits, the alert changes copied by the relay.</summary>
    private static void AddChangeFeedWriters(IServiceCollection services)
    {
        services.AddSingleton(sp => new ChangeFeedWriter(sp.GetRequiredService<ChangeSignal>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var databases = sp.GetRequiredService<StoreDatabases>();
            return new AlertChangeRelay(databases.GrainState, databases.Journal, sp.GetRequiredService<ChangeFeedWriter>(),
                sp.GetRequiredService<IOptions<EngagementOptions>>().Value.Privacy.PersonalInForce);
        });
        services.AddHostedService<ChangeFeedMaintenance>();
    }

    private static void AddRules(IServiceCollection services)
    {
        services.AddOptions<EngagementRules>().BindConfiguration(EngagementRules.SectionName);
        services.AddSingleton<RulesMonitor>();
    }

    /// <summary>The statistics every evaluation reads, and the stage and tier moves each silo counts and reports.</summary>
    private static void AddPopulation(IServiceCollection services)
    {
        services.AddSingleton<PopulationCache>();
        services.AddHostedService(sp => sp.GetRequiredService<PopulationCache>());
        services.AddSingleton<PopulationFlowRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<PopulationFlowRecorder>());
        services.AddHostedService<SweepOnRulesChange>();
    }

    private static void AddAlerts(IServiceCollection services)
    {
        services.AddSingleton<AlertWriter>();
        services.AddHostedService<AlertSlaSweep>();
    }

    /// <summary>Configures an Orleans client (a gateway in cluster mode) to find the silos through the store.</summary>
    public static IClientBuilder AddEngagement(this IClientBuilder client, EngagementSettings settings)
    {
        AddShared(client.Services, settings);
        client.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = settings.Options.ServiceId;
            o.ClusterId = settings.Options.ClusterId;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = StoreSchema.InvariantOf(settings.Store);
            o.ConnectionString = settings.OrleansConnectionString;
        });
        ClusterTls.Configure(client, settings.Options.Silo);
        if (settings.Options.Dashboard.Enabled)
        {
            client.AddDashboard(o => Configure(o, settings.Options.Dashboard));
        }
        return client;
    }

    private static void Configure(DashboardOptions dashboard, DashboardSettings settings) =>
        dashboard.CounterUpdateIntervalMs = (int)settings.CounterUpdateInterval.TotalMilliseconds;

    private static void AddShared(IServiceCollection services, EngagementSettings settings)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(EngagementClock.Key, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.TryAddSingleton(settings);
        services.TryAddSingleton(Options.Create(settings.Options));
        services.TryAddSingleton<StoreDatabases>();
        // The change feed's readers (gRPC watches, webhooks) run in gateways as well as in embedded silos.
        services.TryAddSingleton<ChangeSignal>();
        services.TryAddSingleton<IChangeFeed>(sp => new SqlChangeFeed(
            sp.GetRequiredService<StoreDatabases>().Journal, sp.GetRequiredService<ChangeSignal>(), sp.GetRequiredService<TimeProvider>()));
        services.AddOptions<ChangeFeedOptions>().BindConfiguration(ChangeFeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Queries and exports read the store's indexed tables straight from the process that serves them (issue 16).
        services.TryAddSingleton(sp => new CustomerQueries(sp.GetRequiredService<StoreDatabases>().Journal, sp.GetRequiredService<StoreDatabases>().GrainState));
        // Erasure and the audit (issue 17): the silo erases, a gateway reads the audit and a person's alert history.
        services.TryAddSingleton(sp => new ErasureStore(sp.GetRequiredService<StoreDatabases>().Journal, sp.GetRequiredService<StoreDatabases>().GrainState,
            settings.Options.Privacy.HashKey));
        // Before any hosted service starts (the silo or the client among them), the schema is in place.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StoreSchemaInitializer>());
    }
}

/// <summary>
/// The store's databases, each with its <see cref="StoreDialect"/>, made once from the settings: the journal's
/// (events, digests) and the grain state's (checkpoints, reminders, alerts). On PostgreSQL one database, one data
/// source; on SQLite two files, so that grain-state writes do not queue behind the journal's commits for the file's
/// one writer.
/// </summary>
internal sealed class StoreDatabases : IAsyncDisposable
{
    public StoreDatabases(EngagementSettings settings)
    {
        Journal = StoreDialect.Create(settings.Store, settings.ConnectionString);
        GrainState = settings.GrainStateConnectionString == settings.ConnectionString
            ? Journal
            : StoreDialect.Create(settings.Store, settings.GrainStateConnectionString);
    }

    public StoreDialect Journal { get; }

    public StoreDialect GrainState { get; }

    public IEnumerable<StoreDialect> All => ReferenceEquals(GrainState, Journal) ? [Journal] : [Journal, GrainState];

    public async ValueTask DisposeAsync()
    {
        foreach (var database in All) await database.DisposeAsync();
    }
}

/// <summary>Applies the store's schema, idempotently, before Orleans or anything else touches the store.</summary>
internal sealed partial class StoreSchemaInitializer(EngagementSettings settings, StoreDatabases databases, ILogger<StoreSchemaInitializer> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (settings.Store == StoreKind.Sqlite) OwnerOnly.Folder(settings.DataDirectory);
        // The same scripts in each database. SQLite's second file (grains.db) uses its checkpoint, alert and reminder
        // tables; its journal and digest tables stay empty.
        foreach (var database in databases.All) await StoreSchema.ApplyAsync(database, cancellationToken);
        LogSchemaApplied(logger, settings.Store);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Store schema for {Store} is in place")]
    private static partial void LogSchemaApplied(ILogger logger, StoreKind store);
}
