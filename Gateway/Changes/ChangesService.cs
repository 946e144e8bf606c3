using Engagement.Gateway.Security;
using Engagement.Grains.Changes;
using Engagement.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using System.Text;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Changes;

/// <summary>
/// <c>engagement.v1.Changes</c>: the change feed read from the store a page at a time, then followed as commits land. A
/// watch holds one page in memory; a slow client slows only its own stream (the store is read, never held up).
/// </summary>
[Authorize(Policy = Policies.Integrate)]
public sealed class ChangesService(IChangeFeed feed, ChangeEvents events, IOptions<ChangeFeedOptions> options) : Proto.Changes.ChangesBase
{
    public override async Task Watch(Proto.WatchChangesRequest request, IServerStreamWriter<Proto.Change> responseStream, ServerCallContext context)
    {
        if (request.AfterSequence < 0) throw new RpcException(new Status(StatusCode.InvalidArgument, "after_sequence: must not be negative"));
        var kinds = ChangeKinds.ParseAll(request.Kinds, reason => new RpcException(new Status(StatusCode.InvalidArgument, $"kinds: {reason}")));
        var settings = options.Value;
        var cancellation = context.CancellationToken;
        var after = request.AfterSequence;
        var first = true;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                // Taken before the read: a commit between the read and the wait wakes the wait.
                var next = feed.Signal.Next;
                var page = await feed.ReadAsync(after, kinds, settings.PageSize, cancellation);
                // A hole before the page is a filtered kind, a sequence never committed, or changes retention deleted.
                // An empty page says nothing of a gap except at the start (a watch that is caught up does not lag).
                if (!request.AcceptGap && after > 0 && (page.Count == 0 ? first : page[0].Sequence > after + 1)) await RefuseGapAsync(after, cancellation);
                first = false;
                foreach (var change in page)
                {
                    await responseStream.WriteAsync(ToProto(change), cancellation);
                    after = change.Sequence;
                }
                if (page.Count < settings.PageSize) await ChangeSignal.WaitAsync(next, settings.PollInterval, cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away: the normal end of a watch.
        }
    }

    /// <summary>Fails the watch with OUT_OF_RANGE when changes after <paramref name="after"/> are gone (past the retention).</summary>
    private async Task RefuseGapAsync(long after, CancellationToken cancellationToken)
    {
        var deletedThrough = await feed.DeletedThroughAsync(cancellationToken);
        if (after >= deletedThrough) return;
        var oldest = await feed.OldestSequenceAsync(cancellationToken) ?? deletedThrough + 1;
        var trailers = new Metadata { { OldestSequenceTrailer, oldest.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        throw new RpcException(new Status(StatusCode.OutOfRange,
            $"after_sequence: the changes after {after} through {deletedThrough} have passed the feed's retention; the oldest sequence kept is {oldest} " +
            "(resume from there with accept_gap, and reconcile what was missed with the query API)"), trailers);
    }

    /// <summary>The trailer of an OUT_OF_RANGE watch that names the oldest sequence still kept.</summary>
    public const string OldestSequenceTrailer = "engagement-oldest-sequence";

    private Proto.Change ToProto(Change change) => new()
    {
        Sequence = change.Sequence,
        CustomerId = change.CustomerId,
        Kind = change.Kind,
        Time = Timestamp.FromDateTimeOffset(change.At),
        DataJson = change.Data,
        CloudEvent = Encoding.UTF8.GetString(events.Structured(change, out _).Span),
    };
}
