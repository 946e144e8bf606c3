using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Google.Protobuf;
using Wire = Engagement.Contracts.V1;

namespace Engagement.Tests.Mapping;

/// <summary>
/// The alert record and the gRPC alert (<c>alerts.proto</c>) describe one alert: each property of the record, and of its
/// context, has its field and each field its property, and <see cref="AlertMapper"/> carries every value.
/// </summary>
public sealed class AlertWireTests
{
    /// <summary>The alert's real differences from the wire; nothing else may differ.</summary>
    private static readonly ProtoPairing Pairing = new(
        renamed: new Dictionary<string, string>
        {
            // As on the card: the proto named it first, and field names are the public contract.
            [$"{nameof(AlertContext)}.{nameof(AlertContext.ProbabilityAlive)}"] = "p_alive",
        },
        recordOnly: new HashSet<string>
        {
            // Routing inside the engine: it tells the agent hub whose list must drop a reassigned alert. A gRPC watcher
            // is sent every change of its teams' alerts, so it knows the previous assignee already.
            $"{nameof(Alert)}.{nameof(Alert.ReassignedFrom)}",
        });

    [Fact]
    public void Every_property_of_the_alert_has_its_proto_field_and_every_field_its_property() =>
        Drift.None(Pairing.Unpaired(typeof(Alert), Wire.Alert.Descriptor));

    [Fact]
    public void A_fully_populated_alert_loses_no_value_on_the_wire()
    {
        var alert = Populated.Of<Alert>();

        var wire = Wire.Alert.Parser.ParseFrom(alert.ToProto().ToByteArray());

        Drift.None(Pairing.Lost(alert, wire));
    }
}
