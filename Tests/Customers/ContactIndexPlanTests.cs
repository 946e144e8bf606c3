using Engagement.Grains.Customers;
using Engagement.Model;

namespace Engagement.Tests.Customers;

/// <summary>What the contact index is told after a profile change: release what the customer no longer has, claim what is new.</summary>
public sealed class ContactIndexPlanTests
{
    private static readonly DateTimeOffset At = new(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The keys the index holds, the profile ("name=value; ..."), and the keys to release and to claim.</summary>
    public static TheoryData<string[], string, string[], string[]> Plans => new()
    {
        { [], "", [], [] },
        { [], "region=north", [], [] },
        { [], "email=ann@example.com", [], ["email:ann@example.com"] },
        { ["email:ann@example.com"], "EMAIL= Ann@Example.com", [], [] },
        // Typed differently, the same number: nothing to do.
        { ["phone:+15550102000"], "mobile=+1 (555) 010-2000", [], [] },
        { ["email:ann@example.com"], "email=ann@new.example.com", ["email:ann@example.com"], ["email:ann@new.example.com"] },
        // An attribute emptied (or no longer a contact) releases its key.
        { ["email:ann@example.com", "phone:5550100"], "email=; phone=5550100", ["email:ann@example.com"], [] },
        { ["phone:5550100"], "phone=12", ["phone:5550100"], [] },
        {
            ["phone:5550100", "phone:5550101", "email:z@example.com"],
            "phone=555 0102; mobile=555 0100; email=a@example.com",
            ["email:z@example.com", "phone:5550101"],
            ["email:a@example.com", "phone:5550102"]
        },
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void The_plan_turns_the_indexed_keys_into_the_profiles_keys(string[] indexed, string profile, string[] release, string[] claim)
    {
        var held = new HashSet<string>(indexed, StringComparer.Ordinal);
        var plan = ContactIndexPlan.For(Profile(profile), held);

        Assert.Equal(release, plan.Release);
        Assert.Equal(claim, plan.Claim);
        Assert.Equal(release.Length + claim.Length == 0, plan.IsEmpty);

        // Carried out, the index holds exactly the profile's contacts, and a second plan has nothing to do.
        held.ExceptWith(plan.Release);
        held.UnionWith(plan.Claim);
        Assert.True(ContactIndexPlan.For(Profile(profile), held).IsEmpty);
    }

    [Fact]
    public void Agreement_costs_no_new_plan()
    {
        HashSet<string> keys = ["email:ann@example.com"];
        Assert.Same(ContactIndexPlan.None, ContactIndexPlan.Between(keys, new HashSet<string>(keys, StringComparer.Ordinal)));
    }

    private static Dictionary<string, ProfileAttribute> Profile(string attributes) =>
        attributes.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => a.Split('=', 2))
            .ToDictionary(a => a[0], a => new ProfileAttribute(a[1], At), StringComparer.OrdinalIgnoreCase);
}
