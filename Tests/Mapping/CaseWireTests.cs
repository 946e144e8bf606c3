using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Google.Protobuf;
using Wire = Engagement.Contracts.V1;

namespace Engagement.Tests.Mapping;

/// <summary>
/// A page of cases (<see cref="CasePage"/>, <see cref="CustomerCase"/>, <see cref="CaseAlert"/>) and the gRPC answer of
/// <c>Alerts.ListCases</c> describe the same thing: each property has its field and each field its property, and
/// <see cref="AlertMapper"/> carries every value.
/// </summary>
public sealed class CaseWireTests
{
    private static readonly ProtoPairing Pairing = new();

    [Fact]
    public void Every_property_of_a_case_page_has_its_proto_field_and_every_field_its_property() =>
        Drift.None(Pairing.Unpaired(typeof(CasePage), Wire.ListCasesResponse.Descriptor));

    [Fact]
    public void A_fully_populated_case_page_loses_no_value_on_the_wire()
    {
        var page = Populated.Of<CasePage>();

        var wire = Wire.ListCasesResponse.Parser.ParseFrom(page.ToProto().ToByteArray());

        Drift.None(Pairing.Lost(page, wire));
    }

    [Fact]
    public void An_empty_case_page_is_the_last_with_nothing_due()
    {
        var wire = new CasePage { Cases = [new CustomerCase { CustomerId = "c1", Team = "north" }] }.ToProto();

        Assert.Equal("", wire.NextPageToken);
        Assert.Null(wire.Cases[0].DueBy);
        Assert.Equal(("", ""), (wire.Cases[0].Name, wire.Cases[0].AssignedTo));
    }
}
