using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Engagement.Load.Run;

/// <summary>
/// The engine under load: a loopback gRPC address and the keys to call it with (given, or read from the
/// <c>keys.json</c> the embedded engine writes on first start).
/// </summary>
public sealed class EngineEndpoint(Uri target, string channelKey, string? agentKey)
{
    public Uri Target { get; } = target;

    public string? AgentKey { get; } = agentKey;

    public static EngineEndpoint Resolve(Uri target, string? channelKey, string? agentKey, FileInfo keysFile)
    {
        if (!target.IsLoopback)
        {
            throw new InvalidOperationException($"--target {target} is not a loopback address: the load generator only loads an engine on this machine.");
        }
        var keys = keysFile.Exists ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(keysFile.FullName)) ?? [] : [];
        channelKey ??= keys.GetValueOrDefault("channel")
            ?? throw new InvalidOperationException($"No --key given and no 'channel' key in {keysFile.FullName} (the engine writes it on first start).");
        return new EngineEndpoint(target, channelKey, agentKey ?? keys.GetValueOrDefault("agent"));
    }

    /// <summary>A channel of its own (one TCP connection), calling with the channel role's key.</summary>
    public (GrpcChannel Channel, CallInvoker Invoker) OpenIngest() => Open(channelKey);

    public (GrpcChannel Channel, CallInvoker Invoker) OpenAgent() =>
        Open(AgentKey ?? throw new InvalidOperationException("Watching customers needs the agent key: give --agent-key or a keys file with an 'agent' key, or --watch 0."));

    private (GrpcChannel, CallInvoker) Open(string key)
    {
        var channel = GrpcChannel.ForAddress(Target, new GrpcChannelOptions
        {
            // Many watches on one channel: past the server's stream limit per connection, open another.
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var header = $"Bearer {key}";
        return (channel, channel.Intercept(metadata =>
        {
            metadata.Add("authorization", header);
            return metadata;
        }));
    }
}
