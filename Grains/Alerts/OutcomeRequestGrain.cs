using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Orleans.Concurrency;

namespace Engagement.Grains.Alerts;

[StatelessWorker]
public sealed class OutcomeRequestGrain(IAlertStore store) : Grain, IOutcomeRequestGrain
{
    public Task<OutcomeRequest?> Find(string eventId) => store.OutcomeRequestAsync(eventId);

    public Task Begin(string eventId, string alertId) => store.BeginOutcomeRequestAsync(eventId, alertId);

    public Task<Alert> Answer(string eventId, Alert answer) => store.AnswerOutcomeRequestAsync(eventId, answer);
}
