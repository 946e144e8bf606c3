using System.Threading.Channels;
using Engagement.Contracts.V1;
using Engagement.Gateway.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Ingest;

/// <summary>The <c>engagement.v1.Ingest</c> service: channels submit batches, one at a time or as a stream.</summary>
[Authorize(Policy = Policies.Ingest)]
public sealed class IngestService(IngestPipeline pipeline, IOptions<IngestOptions> options) : Contracts.V1.Ingest.IngestBase
{
    public override Task<BatchAck> Submit(EventBatch request, ServerCallContext context) =>
        pipeline.ProcessAsync(request, context.CancellationToken);

    /// <summary>
    /// Up to <see cref="IngestOptions.MaxInFlightBatches"/> batches are processed at once; acks go out in
    /// the order the batches came in. When that many are in flight the stream stops reading, and HTTP/2
    /// flow control slows the channel down: a slow store never costs unbounded memory here.
    /// </summary>
    public override async Task Stream(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<BatchAck> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        var inFlight = Channel.CreateBounded<Task<BatchAck>>(new BoundedChannelOptions(options.Value.MaxInFlightBatches)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        var reading = Task.Run(async () =>
        {
            try
            {
                while (await requestStream.MoveNext(cancellation))
                {
                    await inFlight.Writer.WriteAsync(pipeline.ProcessAsync(requestStream.Current, cancellation), cancellation);
                }
                inFlight.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                inFlight.Writer.TryComplete(ex);
            }
        }, cancellation);

        await foreach (var batch in inFlight.Reader.ReadAllAsync(cancellation))
        {
            await responseStream.WriteAsync(await batch, cancellation);
        }
        await reading;
    }
}
