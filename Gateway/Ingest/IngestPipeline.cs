using Engagement.Contracts;
using System.Diagnostics;
using Engagement.Contracts.Customers;
using Engagement.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Ingest;

/// <summary>
/// One batch from a channel: validated event by event, grouped by customer, each customer's grain
/// called once with its slice. The ack is built only after every grain has answered, and a grain
/// answers only after the journal commit, so an ack always means durable.
/// </summary>
public sealed class IngestPipeline(IGrainFactory grains, EventValidator validator, IngestActivity activity, IOptions<IngestOptions> options,
    Identity.IdentityRedirects redirects)
{
    private readonly IngestOptions _limits = options.Value;

    public async Task<BatchAck> ProcessAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        CheckBatch(batch);

        var ack = new BatchAck { BatchId = batch.BatchId };
        var slices = new Dictionary<string, List<CustomerEvent>>(StringComparer.Ordinal);
        // Where each slice's events are in the batch: a slice refused as a whole (an erased customer) is rejected event by event.
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var index = 0; index < batch.Events.Count; index++)
        {
            var wire = batch.Events[index];
            var accepted = validator.Validate(wire, batch.Backfill, out var error);
            if (accepted is null)
            {
                ack.Rejected.Add(new Rejection { Index = index, EventId = wire.EventId, Field = error!.Field, Reason = error.Reason });
                continue;
            }
            // A merged id's events go to the customer it became (issue 17).
            var customerId = redirects.Resolve(wire.CustomerId);
            if (!slices.TryGetValue(customerId, out var slice))
            {
                slices[customerId] = slice = [];
                positions[customerId] = [];
            }
            slice.Add(accepted);
            positions[customerId].Add(index);
        }

        var work = slices.ToList();
        ApplyResult[] results;
        try
        {
            results = await Task.WhenAll(work.Select(s => grains.GetGrain<ICustomerGrain>(s.Key).Apply(s.Value)))
                .WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or StoreUnavailableException)
        {
            // The engine is overloaded, a silo went away or the store did not answer: the batch is not acknowledged,
            // but may be in part applied. Unavailable tells the channel to resend it (and what followed it); event ids
            // make that safe.
            var what = ex is StoreUnavailableException ? "the store did not answer" : $"the engine did not answer ({ex.GetType().Name})";
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"batch_id '{batch.BatchId}': not acknowledged, {what}; resend it: events already applied count as duplicates", ex));
        }
        activity.Record(work, results);
        for (var s = 0; s < results.Length; s++)
        {
            var result = results[s];
            ack.Accepted += result.Accepted;
            ack.Duplicates += result.Duplicates;
            if (result.Refused is not { } reason) continue;
            foreach (var index in positions[work[s].Key])
            {
                ack.Rejected.Add(new Rejection { Index = index, EventId = batch.Events[index].EventId, Field = "customer_id", Reason = reason });
            }
        }
        IngestMetrics.Record(ack.Accepted, ack.Duplicates, ack.Rejected.Count, Stopwatch.GetElapsedTime(started));
        return ack;
    }

    /// <summary>A batch that is malformed as a whole is refused for the call, with nothing applied.</summary>
    private void CheckBatch(EventBatch batch)
    {
        if (batch.Events.Count == 0) throw Invalid("events", "a batch needs at least one event");
        if (batch.Events.Count > _limits.MaxEventsPerBatch)
        {
            throw Invalid("events", $"{batch.Events.Count} events is more than the maximum of {_limits.MaxEventsPerBatch} per batch");
        }
        var size = batch.CalculateSize();
        if (size > _limits.MaxBatchBytes) throw Invalid("batch", $"{size} bytes is more than the maximum of {_limits.MaxBatchBytes} bytes per batch");
        if (batch.BatchId.Length > _limits.MaxIdLength) throw Invalid("batch_id", $"longer than {_limits.MaxIdLength} characters");
    }

    private static RpcException Invalid(string field, string reason) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {reason}"));
}
