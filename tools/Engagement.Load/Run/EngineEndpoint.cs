using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Engagement.Load.Run;

/// <summary>
/// The engine under load: a loopback gRPC address and the keys to call it with (given, or read from the
/// <c>keys.json</c> the embedded engine writes on first start).
/// </summary>
public sealed class EngineEndpoint(Uri target, string channelKey, string? agentKey, string? supervisorKey = null)
{
    public Uri Target { get; } = target;

    public string? AgentKey { get; } = agentKey;

    public string? SupervisorKey { get; } = supervisorKey;

    public static EngineEndpoint Resolve(Uri target, string? channelKey, string? agentKey, FileInfo keysFile, string? supervisorKey = null)
    {
        if (!target.IsLoopback)
        {
            throw new InvalidOperationException($"--target {target} is not a loopback address: the load generator only loads an engine on this machine.");
        }
        var keys = keysFile.Exists ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(keysFile.FullName)) ?? [] : [];
        channelKey ??= keys.GetValueOrDefault("channel")
            ?? throw new InvalidOperationException($"No --key given and no 'channel' key in {keysFile.FullName} (the engine writes it on first start).");
        return new EngineEndpoint(target, channelKey, agentKey ?? keys.GetValueOrDefault("agent"), supervisorKey ?? keys.GetValueOrDefault("supervisor"));
    }

    /// <summary>A channel of its own (one TCP connection), calling with the channel role's key.</summary>
    public (GrpcChannel Channel, CallInvoker Invoker) OpenIngest() => Open(channelKey);

    public (GrpcChannel Channel, CallInvoker Invoker) OpenAgent() => Open(RequireAgentKey());

    public string RequireAgentKey() =>
        AgentKey ?? throw new InvalidOperationException("Watching customers needs the agent key: give --agent-key or a keys file with an 'agent' key, or --watch 0.");

    public (GrpcChannel Channel, CallInvoker Invoker) OpenSupervisor() =>
        Open(SupervisorKey ?? throw new InvalidOperationException("Following alerts needs the supervisor key: give --supervisor-key or a keys file with a 'supervisor' key."));

    private (GrpcChannel, CallInvoker) Open(string key)
    {
        var channel = GrpcChannel.ForAddress(Target, new GrpcChannelOptions
        {
            // Alerts.List answers with every open alert in one message, which passes 4 MB after a few
            // thousand alerts; the engine is on this machine and trusted.
            MaxReceiveMessageSize = null,
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
