using Engagement.Contracts.V1;
using Grpc.Core;

namespace Engagement.Load.Ceilings;

/// <summary>
/// The transport ceiling: the same <c>engagement.v1.Ingest</c> contract, answering every batch at once with
/// every event accepted and nothing stored. Whatever the engine loses against this is the engine's own work.
/// </summary>
public sealed class BaselineIngest : Ingest.IngestBase
{
    public override Task<BatchAck> Submit(EventBatch request, ServerCallContext context) => Task.FromResult(Ack(request));

    public override async Task Stream(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<BatchAck> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await responseStream.WriteAsync(Ack(requestStream.Current), context.CancellationToken);
        }
    }

    private static BatchAck Ack(EventBatch batch) => new() { BatchId = batch.BatchId, Accepted = batch.Events.Count };
}
