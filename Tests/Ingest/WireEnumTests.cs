using Engagement.Contracts.Customers;
using Engagement.Grains.Customers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using ModelEnums = Engagement.Model;
using Wire = Engagement.Contracts.V1;

namespace Engagement.Tests.Ingest;

/// <summary>
/// Contact outcomes and complaint severities are defined twice: by the wire contract (engagement.v1, which the
/// grain-boundary payloads carry) and by the pure model. The grain maps one into the other in one place
/// (<see cref="CustomerState"/>); these tables fail when a value exists on one side only.
/// </summary>
public sealed class WireEnumTests
{
    [Fact]
    public void Every_contact_outcome_of_the_wire_is_the_model_outcome_of_its_name_and_back() =>
        AssertSameValues<Wire.ContactOutcome, ModelEnums.ContactOutcome>(CustomerState.ToModel);

    [Fact]
    public void Every_complaint_severity_of_the_wire_is_the_model_severity_of_its_name_and_back() =>
        AssertSameValues<Wire.ComplaintSeverity, ModelEnums.ComplaintSeverity>(CustomerState.ToModel);

    [Fact]
    public void Unspecified_never_reaches_the_model()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CustomerState.ToModel(Wire.ContactOutcome.Unspecified));
        Assert.Throws<ArgumentOutOfRangeException>(() => CustomerState.ToModel(Wire.ComplaintSeverity.Unspecified));
    }

    [Fact]
    public void Payloads_carrying_the_wire_enums_cross_a_grain_call_unchanged()
    {
        // The serializer an Orleans client has (no JSON fallback for the model's types): a cluster gateway's.
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        EventPayload[] payloads =
        [
            new CallPayload(TimeSpan.FromMinutes(4), Wire.ContactOutcome.Transferred),
            new ChatPayload(TimeSpan.FromSeconds(90), Wire.ContactOutcome.Unresolved),
            new ComplaintOpenedPayload(Wire.ComplaintSeverity.High, "t-9"),
        ];

        foreach (var payload in payloads)
        {
            Assert.Equal(payload, serializer.Deserialize<EventPayload>(serializer.SerializeToArray(payload)));
        }
    }

    private static void AssertSameValues<TWire, TModel>(Func<TWire, TModel> toModel)
        where TWire : struct, Enum
        where TModel : struct, Enum
    {
        foreach (var wire in Enum.GetValues<TWire>().Where(v => !EqualityComparer<TWire>.Default.Equals(v, default)))
        {
            Assert.Equal(wire.ToString(), toModel(wire).ToString());
        }
        foreach (var model in Enum.GetValues<TModel>())
        {
            Assert.True(Enum.TryParse<TWire>(model.ToString(), out var wire) && Enum.IsDefined(wire),
                $"the model's {typeof(TModel).Name}.{model} has no value of that name on the wire");
            Assert.Equal(model, toModel(wire));
        }
    }
}
