using Engagement.Contracts.Customers;
using Engagement.Gateway.Customers;
using Google.Protobuf;
using Wire = Engagement.Contracts.V1;

namespace Engagement.Tests.Mapping;

/// <summary>
/// The card record and the gRPC card (<c>customers.proto</c>) describe one card: each property of the record, through
/// its nested records, has its field and each field its property, and <see cref="CardMapper"/> carries every value.
/// </summary>
public sealed class CardWireTests
{
    /// <summary>The card's real differences from the wire; nothing else may differ.</summary>
    private static readonly ProtoPairing Pairing = new(renamed: new Dictionary<string, string>
    {
        // The proto named it first, and field names are the public contract.
        [$"{nameof(CustomerCard)}.{nameof(CustomerCard.ProbabilityAlive)}"] = "p_alive",
    },
    recordOnly: new HashSet<string>
    {
        // Inside the engine only: the gateway measures push latency from it; no client is sent it.
        $"{nameof(CustomerCard)}.{nameof(CustomerCard.AcceptedAt)}",
        // Inside the engine only: a gateway scoping customer reads by team holds back cards of other teams.
        $"{nameof(CustomerCard)}.{nameof(CustomerCard.Team)}",
    });

    [Fact]
    public void Every_property_of_the_card_has_its_proto_field_and_every_field_its_property() =>
        Drift.None(Pairing.Unpaired(typeof(CustomerCard), Wire.CustomerCard.Descriptor));

    [Fact]
    public void A_fully_populated_card_loses_no_value_on_the_wire()
    {
        var card = Populated.Of<CustomerCard>();

        var wire = Wire.CustomerCard.Parser.ParseFrom(card.ToProto().ToByteArray());

        Drift.None(Pairing.Lost(card, wire));
    }
}
