using System.ComponentModel.DataAnnotations;
using Engagement.Grains.Rules;
using Engagement.Model;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Segments;

/// <summary>The segment catalog's settings (<c>Engagement:Segments</c>).</summary>
public sealed class SegmentCatalogOptions
{
    public const string Section = "Engagement:Segments";

    /// <summary>
    /// How often each silo looks for a newer revision of the stored segments. A write through the API is in force at
    /// once on the silo that wrote it, and on the others at their next look or when the sweep wakes their customers.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Each silo's view of the segments stored centrally: at start it seeds the store from the rules file's segments (only
/// names the API never touched: <see cref="SqlSegmentStore.SeedAsync"/>) and puts the stored segments in force in place of
/// the file's (<see cref="RulesMonitor.UseSegments"/>); after that it reloads when the store's revision rises (looked for
/// every <see cref="SegmentCatalogOptions.PollInterval"/>, or asked for by a sweep's wake) and re-seeds when the rules file's
/// segments change. A reload is a rules reload: it starts the population sweep (<c>SweepOnRulesChange</c>).
/// </summary>
public sealed partial class SegmentCatalog(
    SqlSegmentStore store, RulesMonitor rules, IOptions<SegmentCatalogOptions> options, TimeProvider machineClock, ILogger<SegmentCatalog> logger)
    : IHostedLifecycleService, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<string, string> _seeded = [];
    private long _loaded = -1;
    private Task _polling = Task.CompletedTask;

    /// <summary>The revision of the segments in force here (-1 before the first load).</summary>
    public long Revision => Volatile.Read(ref _loaded);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await SeedAsync(rules.FileRules.Segments, cancellationToken);
        await LoadAsync(cancellationToken);
        rules.AttachSegmentSource(EnsureAsync);
        rules.Reloaded += OnReloaded;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _polling = PollAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        rules.Reloaded -= OnReloaded;
        await _stopping.CancelAsync();
        await _polling;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads the stored segments unless those in force are at <paramref name="revision"/> or newer.</summary>
    public async Task EnsureAsync(long revision, CancellationToken cancellationToken = default)
    {
        if (Revision >= revision) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Revision < revision) await LoadCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await LoadCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoadCoreAsync(CancellationToken cancellationToken)
    {
        // The revision first: a write between the two reads is seen again at the next look, never missed.
        var revision = await store.RevisionAsync(cancellationToken);
        var current = await store.CurrentAsync(cancellationToken: cancellationToken);
        var segments = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in current)
        {
            try
            {
                SegmentParser.Parse(segment.Rule!);
                segments[segment.Name] = segment.Rule!;
            }
            catch (SegmentParseException ex)
            {
                // Written by an older build with other rules of grammar: left out, not fatal.
                LogUnparsable(logger, segment.Name, segment.Version, ex.Message);
            }
        }
        rules.UseSegments(segments, revision);
        Volatile.Write(ref _loaded, revision);
    }

    private async Task SeedAsync(IReadOnlyDictionary<string, string> fileSegments, CancellationToken cancellationToken)
    {
        var written = await store.SeedAsync(fileSegments, cancellationToken);
        _seeded = new Dictionary<string, string>(fileSegments, StringComparer.OrdinalIgnoreCase);
        if (written > 0) LogSeeded(logger, written);
    }

    private void OnReloaded(RulesSnapshot previous, RulesSnapshot current)
    {
        var file = rules.FileRules.Segments;
        if (file.Count == _seeded.Count && file.All(s => _seeded.TryGetValue(s.Key, out var rule) && rule == s.Value)) return;
        _ = ReseedAsync(file);
    }

    private async Task ReseedAsync(IReadOnlyDictionary<string, string> file)
    {
        try
        {
            await SeedAsync(file, _stopping.Token);
            await LoadAsync(_stopping.Token);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            LogReseedFailed(logger, ex);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.PollInterval, machineClock, cancellationToken);
                var revision = await store.RevisionAsync(cancellationToken);
                await EnsureAsync(revision, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPollFailed(logger, ex);
            }
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Segments seeded from the rules file: {Count} versions written")]
    private static partial void LogSeeded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored segment {Name} version {Version} does not parse and is left out: {Reason}")]
    private static partial void LogUnparsable(ILogger logger, string name, int version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-seeding the segments from the changed rules file failed; the stored segments stay in force")]
    private static partial void LogReseedFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for changed segments in the store failed; the segments in force stay until the next look")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}

public static class SegmentHosting
{
    /// <summary>The segment store, the catalog that keeps this silo's segments current, and the dry run.</summary>
    public static void AddSegments(IServiceCollection services)
    {
        services.AddOptions<SegmentCatalogOptions>().BindConfiguration(SegmentCatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new SqlSegmentStore(sp.GetRequiredService<Hosting.StoreDatabases>().Journal, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SegmentDryRun(sp.GetRequiredService<Hosting.StoreDatabases>().Journal));
        services.AddSingleton<SegmentCatalog>();
        services.AddHostedService(sp => sp.GetRequiredService<SegmentCatalog>());
    }
}
