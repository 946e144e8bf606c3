using Engagement.Contracts.Customers;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Engagement.Grains.Customers;

/// <summary>Resolves an agent's search text to a customer: an existing id first, then an email address, then a phone number.</summary>
[StatelessWorker]
public sealed class CustomerDirectoryGrain(IPopulationStore digests, IOptions<EngagementOptions> options) : Grain, ICustomerDirectoryGrain
{
    public const int MaxResults = 100;

    public async Task<IReadOnlyList<AtRiskCustomer>> AtRisk(IReadOnlyList<string>? teams, int limit)
    {
        // The engine's currency (Engagement:Currency), as on alerts and cards.
        var currency = options.Value.Currency;
        return [.. (await digests.AtRiskAsync(teams, Math.Clamp(limit, 1, MaxResults))).Select(d => d with { Currency = currency })];
    }

    public Task<IReadOnlyList<CustomerSearchHit>> Search(string text, int limit) => digests.SearchAsync(text.Trim(), Math.Clamp(limit, 1, MaxResults));

    public async Task<CustomerMatch?> Lookup(string query)
    {
        var text = query.Trim();
        if (await GrainFactory.GetGrain<ICustomerGrain>(text).Exists()) return new CustomerMatch(text, "id");
        if (ContactKeys.OfQuery(text) is not { } key) return null;
        return await GrainFactory.GetGrain<IContactIndexGrain>(key).Owner() is { } owner ? new CustomerMatch(owner, ContactKeys.KindOf(key)) : null;
    }
}

/// <summary>One contact's owner, in grain storage beside the customers' checkpoints, so the index survives restarts and failover.</summary>
public sealed class ContactIndexGrain([PersistentState("contact", StorageNames.Customers)] IPersistentState<ContactOwner> state)
    : Grain, IContactIndexGrain
{
    public Task<string?> Owner() => Task.FromResult(state.State.CustomerId);

    public async Task Claim(string customerId)
    {
        if (state.State.CustomerId == customerId) return;
        state.State.CustomerId = customerId;
        await state.WriteStateAsync();
    }

    public async Task Release(string customerId)
    {
        if (state.State.CustomerId != customerId) return;
        state.State.CustomerId = null;
        await state.ClearStateAsync();
    }
}

public sealed class ContactOwner
{
    public string? CustomerId { get; set; }
}
