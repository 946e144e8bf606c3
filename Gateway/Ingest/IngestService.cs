using System.Threading.Channels;
using Engagement.Contracts.Customers;
using Engagement.Contracts.V1;
using Engagement.Gateway.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Ingest;

/// <summary>The <c>engagement.v1.Ingest</c> service: channels submit batches, one at a time or as a stream.</summary>
[Authorize(Policy = Policies.Ingest)]
public sealed class IngestService(IngestPipeline pipeline, IGrainFactory grains, IOptions<IngestOptions> options) : Contracts.V1.Ingest.IngestBase
{
    /// <summary>Closing checks in flight at once for one call.</summary>
    private const int CheckParallelism = 8;

    /// <summary>The closing check of a backfill, for the customers it fed (see <see cref="ICustomerGrain.CheckAfterBackfill"/>).</summary>
    public override async Task<CheckCustomersReply> CheckCustomers(CheckCustomersRequest request, ServerCallContext context)
    {
        var limits = options.Value;
        if (request.CustomerIds.Count > limits.MaxEventsPerBatch)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"customer_ids: {request.CustomerIds.Count} is more than the maximum of {limits.MaxEventsPerBatch} per call"));
        }
        if (request.CustomerIds.FirstOrDefault(id => id.Length == 0 || id.Length > limits.MaxIdLength) is { } bad)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"customer_ids: '{bad}' is empty or longer than {limits.MaxIdLength} characters"));
        }
        await Parallel.ForEachAsync(request.CustomerIds.Distinct(StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = CheckParallelism, CancellationToken = context.CancellationToken },
            async (customer, _) => await grains.GetGrain<ICustomerGrain>(customer).CheckAfterBackfill());
        return new CheckCustomersReply { Checked = request.CustomerIds.Count };
    }

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
