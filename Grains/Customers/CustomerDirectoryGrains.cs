using Engagement.Contracts.Customers;
using Engagement.Grains.Hosting;
using Engagement.Storage;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Engagement.Grains.Customers;

/// <summary>Resolves an agent's search text to a customer: an existing id first, then an email address, then a phone number.</summary>
[StatelessWorker]
public sealed class CustomerDirectoryGrain(IPopulationStore digests, IIdentityStore identities, IOptions<EngagementOptions> options) : Grain, ICustomerDirectoryGrain
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
        return await identities.OwnerAsync(key) is { } owner ? new CustomerMatch(owner, ContactKeys.KindOf(key)) : null;
    }
}

