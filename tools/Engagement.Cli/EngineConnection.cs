using System.CommandLine;
using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Engagement.Cli;

/// <summary>
/// Where the engine is and which key to use: <c>--target</c> (default the embedded engine's gRPC endpoint)
/// and <c>--key</c>, or else the key of the needed role from <c>--keys-file</c> (default ./data/keys.json,
/// which the embedded engine writes on first start).
/// </summary>
public sealed class EngineConnection
{
    public Option<Uri> Target { get; } = new("--target")
    {
        Description = "The engine's gRPC endpoint.",
        DefaultValueFactory = _ => new Uri("http://127.0.0.1:5081"),
        CustomParser = result => Uri.TryCreate(result.Tokens.Single().Value, UriKind.Absolute, out var uri) ? uri : null,
    };

    public Option<string?> Key { get; } = new("--key") { Description = "The API key to send (default: the role's key from the keys file)." };

    public Option<FileInfo> KeysFile { get; } = new("--keys-file")
    {
        Description = "The engine's keys file.",
        DefaultValueFactory = _ => new FileInfo(Path.Combine("data", "keys.json")),
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Target);
        command.Options.Add(Key);
        command.Options.Add(KeysFile);
    }

    /// <summary>The key to send: <c>--key</c>, or the role's key from the keys file.</summary>
    public string KeyFor(ParseResult parse, string role) => parse.GetValue(Key) ?? KeyFromFile(parse.GetValue(KeysFile)!, role);

    public CallInvoker Open(ParseResult parse, string role, out GrpcChannel channel)
    {
        var target = parse.GetValue(Target)!;
        var key = KeyFor(parse, role);
        if (!target.IsLoopback)
        {
            throw new InvalidOperationException($"--target {target} is not a loopback address; this tool talks to a local engine only.");
        }
        channel = GrpcChannel.ForAddress(target);
        return channel.Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {key}");
            return metadata;
        });
    }

    private static string KeyFromFile(FileInfo file, string role)
    {
        if (!file.Exists) throw new InvalidOperationException($"No --key given and no keys file at {file.FullName}.");
        var keys = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(file.FullName)) ?? [];
        return keys.TryGetValue(role, out var key) ? key : throw new InvalidOperationException($"{file.FullName} has no '{role}' key.");
    }
}
