using Engagement.Contracts.V1;

namespace Engagement.Tests.Infrastructure;

/// <summary>What a channel does to a running test engine.</summary>
public static class EngineIngest
{
    /// <summary>Submits the events in batches the engine takes, and checks that every one of them was accepted.</summary>
    public static async Task SubmitAcceptedAsync(this EngineClient client, params Event[] events)
    {
        foreach (var chunk in events.Chunk(TestLimits.MaxEventsPerBatch))
        {
            var ack = await client.Ingest().SubmitAsync(Events.Batch(chunk), cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(chunk.Length, ack.Accepted);
        }
    }
}
