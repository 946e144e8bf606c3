using Engagement.Grains.Customers;
using Engagement.Grains.Retention;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Engagement.Tests.Retention;

/// <summary>What the retention tests on the stores share: the real journal, real checkpoints and the real retention job over one test store.</summary>
internal static class RetentionStores
{
    public static GroupCommitJournal Journal(TestStore store) =>
        new(store.Dialect, maxEntriesPerCommit: 1_000, NullLogger<GroupCommitJournal>.Instance);

    /// <summary>The retention job as the silo builds it, over the store (journal and grain state in its one database).</summary>
    public static RetentionService Service(TestStore store, TimeProvider businessClock, Action<RetentionOptions>? configure = null)
    {
        var options = new RetentionOptions { JournalHorizon = TimeSpan.FromDays(1), PauseBetweenBatches = TimeSpan.Zero };
        configure?.Invoke(options);
        Assert.False(new RetentionOptionsValidator().Validate(null, options).Failed);
        return new RetentionService(new JournalCompaction(store.Dialect, store.Dialect), new AlertHistoryRetention(store.Dialect),
            Options.Create(options), businessClock, TimeProvider.System, NullLogger<RetentionService>.Instance);
    }

    /// <summary>Writes the customer's checkpoint as the customer grain does: its state holds the journal through <paramref name="lastSeq"/>.</summary>
    public static async Task CheckpointAsync(TestStore store, string customerId, long lastSeq, long eventCount)
    {
        await using var storage = new GroupedGrainStorage(store.Dialect, new JsonGrainStorageSerializer(), 100, NullLogger<GroupedGrainStorage>.Instance);
        var state = new CustomerState { LastSeq = lastSeq, EventCount = eventCount, Version = lastSeq };
        await storage.WriteStateAsync(RetentionService.CheckpointStateName, GrainId.Create("customer", customerId), new GrainState<CustomerState>(state));
    }

    /// <summary>Appends entries in commits of a few thousand, each to be new.</summary>
    public static async Task AppendAsync(GroupCommitJournal journal, string customerId, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var chunk in entries.Chunk(2_000))
        {
            Assert.All(await journal.AppendAsync(customerId, chunk, cancellationToken), Assert.True);
        }
    }

    public static JournalEntry Entry(long seq, string eventId, DateTimeOffset recordedAt) =>
        new(seq, eventId, "visit", "web", recordedAt.AddMinutes(-1), recordedAt, """{"page":"/"}""");
}
