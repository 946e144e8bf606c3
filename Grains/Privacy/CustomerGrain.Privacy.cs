using System.Security.Cryptography;
using System.Text;
using Engagement.Contracts.Customers;
using Engagement.Contracts.Privacy;
using Engagement.Grains.Privacy;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Customers;

/// <summary>The customer's side of an erasure (issue 17): forgetting, and what happens to the id's events afterwards.</summary>
public sealed partial class CustomerGrain : ICustomerPrivacy
{
    /// <summary>This customer id was erased: its events are refused or stored anonymised, nothing of it is kept.</summary>
    private bool _erased;

    /// <summary>
    /// Whether a customer that has nothing in the store (no checkpoint, no journal) is an erased one. Asked only then: an
    /// erased customer has neither, so a customer with either was never erased and costs no read.
    /// </summary>
    private async Task<bool> ErasedAsync(int missed) =>
        !checkpoint.RecordExists && missed == 0 && await ServiceProvider.GetRequiredService<ErasureStore>().IsErasedAsync(CustomerId);

    public async Task<CustomerHandover> Forget()
    {
        var existed = State.Exists || checkpoint.RecordExists;
        _erased = true;
        foreach (var timer in (IDisposable?[])[_checkpointTimer, _alertRetryTimer]) timer?.Dispose();
        (_checkpointTimer, _alertRetryTimer, _watchers, _lastDigest) = (null, null, null, null);

        // Its identifiers (the identity index's rows), conflicts and merges are rows of the store's erasure, by the customer's id.
        var stateKeys = new List<string> { GroupedGrainStorage.KeyOf("customer", this.GetGrainId()) };
        // Cleared at the version held (the store keeps a newer one), then the memory goes; the store's erasure deletes the row by key in any case.
        if (checkpoint.RecordExists) await checkpoint.ClearStateAsync();
        checkpoint.State = new CustomerState();
        // A digest this activation queued must reach the store before the store's erasure, not after it.
        await ServiceProvider.GetRequiredService<IPopulationStore>().FlushAsync();
        DeactivateOnIdle();
        return new CustomerHandover(existed, stateKeys);
    }

    /// <summary>Events for an erased id: refused, or stored anonymised under the id's pseudonym (<see cref="AfterErasure"/>).</summary>
    private async Task<ApplyResult> AfterErasureAsync(IReadOnlyList<CustomerEvent> events)
    {
        var privacy = options.Value.Privacy;
        if (privacy.AfterErasure == AfterErasure.Refuse)
        {
            return new ApplyResult(0, 0, Refused: "this customer was erased; its events are refused (Engagement:Privacy:AfterErasure is Refuse)");
        }
        var store = ServiceProvider.GetRequiredService<ErasureStore>();
        var hash = await store.SubjectHashAsync(CustomerId);
        var anonymised = new List<CustomerEvent>(events.Count);
        foreach (var e in events)
        {
            anonymised.Add(Anonymised(e, Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hash), Encoding.UTF8.GetBytes(e.EventId)))[..32], privacy));
        }
        return await GrainFactory.GetGrain<ICustomerGrain>(PseudonymOf(hash)).Apply(anonymised);
    }

    /// <summary>The id an erased customer's later events are stored under: from the keyed hash, so not the id, and the same for each of its events.</summary>
    public static string PseudonymOf(string subjectHash) => PrivacyOptions.PseudonymPrefix + subjectHash[..24];

    /// <summary>The event without what identifies the person: personal attributes, agents' notes, the alert it named, its own id.</summary>
    public static CustomerEvent Anonymised(CustomerEvent e, string eventId, PrivacyOptions privacy) => e with
    {
        EventId = eventId,
        Payload = e.Payload switch
        {
            ProfileUpdatePayload p => new ProfileUpdatePayload(p.Attributes.Where(a => !privacy.PersonalInForce.Contains(a.Key)).ToDictionary(StringComparer.Ordinal)),
            ContactOutcomePayload o => o with { Note = "", AlertId = null },
            var other => other,
        },
    };
}
