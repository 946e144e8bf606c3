using Engagement.Contracts.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Engagement.Tests.Infrastructure;

/// <summary>Real gRPC clients of a running engine, each call carrying a key.</summary>
public sealed class EngineClient(Uri grpcAddress) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(grpcAddress, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = 64 * 1024 * 1024,
        MaxSendMessageSize = 64 * 1024 * 1024,
    });

    public Uri Address { get; } = grpcAddress;

    public Contracts.V1.Ingest.IngestClient Ingest(string? key = TestKeys.Channel) => new(Invoker(key));

    public Contracts.V1.Customers.CustomersClient Customers(string? key = TestKeys.Agent) => new(Invoker(key));

    public Contracts.V1.Alerts.AlertsClient Alerts(string? key = TestKeys.Supervisor) => new(Invoker(key));

    public Contracts.V1.Changes.ChangesClient Changes(string? key = TestKeys.Integration) => new(Invoker(key));

    public Contracts.V1.Segments.SegmentsClient Segments(string? key = TestKeys.Admin) => new(Invoker(key));

    public Contracts.V1.Privacy.PrivacyClient Privacy(string? key = TestKeys.Admin) => new(Invoker(key));

    public GrpcChannel Channel => _channel;

    private CallInvoker Invoker(string? key) =>
        key is null ? _channel.CreateCallInvoker() : _channel.Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {key}");
            return metadata;
        });

    public void Dispose() => _channel.Dispose();
}
