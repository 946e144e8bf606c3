using Engagement.Contracts.Customers;
using Engagement.Model;

namespace Engagement.Grains.Identity;

/// <summary>How a merge, an unmerge or a conflict reads in the customer's decision log and history.</summary>
public static class IdentityDecisions
{
    public static DecisionLogEntry Of(IdentityPayload identity, DateTimeOffset at) =>
        new(at, DecisionKind.Identity, identity.Other, identity.Action, Describe(identity));

    public static string Describe(IdentityPayload identity) => identity.Action switch
    {
        IdentityPayload.Merged => $"{identity.By} merged customer {identity.Other} into this one: {identity.Reason}",
        IdentityPayload.Unmerged => $"{identity.By} undid the merge with customer {identity.Other}: {identity.Reason}",
        IdentityPayload.Conflict => $"identifier conflict with customer {identity.Other}: {identity.Reason}",
        var other => $"identity {other}: {identity.Reason}",
    };
}
