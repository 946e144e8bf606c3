using System.Net;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engagement.Tests.Hosting;

/// <summary>
/// Issue 15 ("keys reloadable without restart"): a key added to the keys file opens requests while the engine runs, a
/// key taken out of it stops opening them, and a file that does not read is refused with a warning while the keys in
/// force stay. Before, the keys were read once at start: a revoked key kept working until a restart.
/// </summary>
public sealed class KeyReloadTests
{
    private const string First = "reloaded-supervisor-key-first-0123";
    private const string Second = "reloaded-supervisor-key-second-0123";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_is_added_and_revoked_through_the_keys_file_without_a_restart_and_a_bad_file_keeps_the_keys_in_force()
    {
        var data = Directory.CreateTempSubdirectory("engagement-keyreload-").FullName;
        var keysFile = Path.Combine(data, "keys.json");
        var logs = new LogCapture();
        var engine = await EngineHost.StartEmbeddedAsync(data, services: s => s.AddSingleton<ILoggerProvider>(logs));
        try
        {
            Assert.True(File.Exists(keysFile));
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(engine, First));

            await File.WriteAllTextAsync(keysFile, $$"""{ "supervisor": "{{First}}" }""", Ct);
            await Wait.UntilAsync(async () => await MeAsync(engine, First) == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
                "a key added to the keys file opens requests");

            await File.WriteAllTextAsync(keysFile, """{ "supervisor": "too-short" }""", Ct);
            await Wait.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("Keys change refused", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(30), "a keys file with a short key is refused with a warning");
            Assert.Equal(HttpStatusCode.OK, await MeAsync(engine, First));

            await File.WriteAllTextAsync(keysFile, $$"""{ "supervisor": "{{Second}}" }""", Ct);
            await Wait.UntilAsync(async () => await MeAsync(engine, Second) == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
                "the new key opens requests");
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(engine, First));

            // The keys from the command line are not the file's: they stay in force through every reload.
            Assert.Equal(HttpStatusCode.OK, await MeAsync(engine, TestKeys.Agent));
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }

    private static async Task<HttpStatusCode> MeAsync(EngineHost engine, string key)
    {
        using var http = engine.Http(key);
        using var response = await http.GetAsync("/api/me", Ct);
        return response.StatusCode;
    }
}
