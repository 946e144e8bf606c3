using System.Diagnostics.Metrics;
using Engagement.Storage;

namespace Engagement.Gateway.Security;

/// <summary>
/// Requests by the key that made them, on the <c>Engagement</c> meter. A key is named by its configured name
/// (<c>Engagement:Keys:N:Name</c>, or its configuration path), never by the secret.
/// </summary>
public static class KeyMetrics
{
    private static readonly Counter<long> Requests = EngagementMeter.Instance.CreateCounter<long>(
        "engagement.api.requests", unit: "{request}",
        description: "Requests that carried a key, by key name, role and protocol (grpc: one per call; http: one per request, a SignalR connection's included); an unknown key counts as key_name=unknown, role=none.");

    public const string Unknown = "unknown";

    public static void Record(KeyGrant? grant, HttpRequest request) => Requests.Add(1,
        new KeyValuePair<string, object?>("key_name", grant?.Name ?? Unknown),
        new KeyValuePair<string, object?>("role", grant?.Role ?? "none"),
        new KeyValuePair<string, object?>("protocol", IsGrpc(request) ? "grpc" : "http"));

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
