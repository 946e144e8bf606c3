using System.Globalization;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Engagement.Grains.Changes;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Changes;

/// <summary>
/// Changes as CloudEvents 1.0 (the CNCF SDK): id = the sequence, type = <c>engagement.v1.</c> and the kind, subject = the
/// customer id, time = the commit, source = <c>/engagement/</c> and the cluster id (<c>Engagement:Changes:Source</c>),
/// data = the change's JSON. The same events on every sink: gRPC, webhooks, NATS.
/// </summary>
public sealed class ChangeEvents(IOptions<ChangeFeedOptions> feed, IOptions<EngagementOptions> engine)
{
    private readonly JsonEventFormatter _formatter = new();

    public Uri Source { get; } = new(feed.Value.Source ?? $"/engagement/{engine.Value.ClusterId}", UriKind.RelativeOrAbsolute);

    public CloudEvent ToCloudEvent(Change change)
    {
        using var data = JsonDocument.Parse(change.Data);
        return new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = change.Sequence.ToString(CultureInfo.InvariantCulture),
            Source = Source,
            Type = ChangeKinds.TypePrefix + change.Kind,
            Subject = change.CustomerId,
            Time = change.At,
            DataContentType = MediaTypeNames.Application.Json,
            Data = data.RootElement.Clone(),
        };
    }

    /// <summary>One change in structured mode (<c>application/cloudevents+json</c>).</summary>
    public ReadOnlyMemory<byte> Structured(Change change, out ContentType contentType) =>
        _formatter.EncodeStructuredModeMessage(ToCloudEvent(change), out contentType);

    /// <summary>Several changes in batch mode (<c>application/cloudevents-batch+json</c>), in order.</summary>
    public ReadOnlyMemory<byte> Batch(IReadOnlyList<Change> changes, out ContentType contentType) =>
        _formatter.EncodeBatchModeMessage(changes.Select(ToCloudEvent), out contentType);
}
