using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Engagement.Gateway.Security;

/// <summary>
/// Reads the configured keys again whenever the configuration (<c>Engagement:Keys</c> in a reloadable source) or the keys
/// file changes, and puts them in force at once: a key is added or revoked without a restart. A change that does not read
/// (bad JSON, a short key, an unknown role, no key left) is refused with a warning, and the keys in force stay. A revoked
/// key opens no new request or connection; a hub connection it opened before keeps running until it ends.
/// </summary>
internal sealed partial class KeyReloader(KeyRing ring, IConfiguration configuration, string? keysFile, ILogger<KeyReloader> logger) : IHostedService, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private PhysicalFileProvider? _files;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscriptions.Add(ChangeToken.OnChange(configuration.GetReloadToken, Reload));
        if (keysFile is not null)
        {
            // Polled, as the rules file is: the keys file sits in the data folder, where SQLite writes all the time.
            _files = new PhysicalFileProvider(Path.GetDirectoryName(keysFile)!) { UsePollingFileWatcher = true, UseActivePolling = true };
            _subscriptions.Add(ChangeToken.OnChange(() => _files.Watch(Path.GetFileName(keysFile)), Reload));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Reload()
    {
        try
        {
            var keys = KeyRing.Read(configuration, keysFile);
            ring.Replace(keys);
            LogReloaded(logger, keys.Count);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or System.Text.Json.JsonException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogRefused(logger, ex.Message);
        }
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions) subscription.Dispose();
        _files?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Keys reloaded: {Count} configured keys in force")]
    private static partial void LogReloaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keys change refused, the keys in force stay: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
