using System.Diagnostics.Metrics;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace Engagement.Tests.Storage;

/// <summary>
/// The grouped checkpoint storage on both real stores: many grains per transaction, a stale write refused,
/// state read back by a fresh instance (as after a restart).
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class GroupedGrainStorageTests(TestStores stores)
{
    private const string StateName = "customer";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Writes_queued_while_a_commit_waits_are_committed_together(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var commits = new List<int>();
        using var listener = ListenToCommits(store.Namespace, commits);
        await using var storage = Open(store);

        // Another writer holds the table, so the first commit waits and every later write queues behind it.
        var grains = Enumerable.Range(0, 200).Select(i => GrainId.Create("customer", $"c{i}")).ToArray();
        Task[] writes;
        await using (await store.LockAsync("engagement_checkpoints", Ct))
        {
            writes = [.. grains.Select((grain, i) => storage.WriteStateAsync(StateName, grain, Versioned(i + 1, $"state {i}")))];
            Assert.DoesNotContain(writes, w => w.IsCompleted);
        }
        await Task.WhenAll(writes).WaitAsync(Ct);

        lock (commits) Assert.True(commits.Count <= 2 && commits.Sum() == grains.Length, $"states per commit: {string.Join(", ", commits)}");
        for (var i = 0; i < grains.Length; i++)
        {
            var read = await ReadAsync<Snapshot>(storage, grains[i]);
            Assert.Equal($"state {i}", read.State!.Text);
            Assert.Equal((i + 1).ToString(), read.ETag);
        }
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_stale_activation_cannot_overwrite_a_newer_checkpoint(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var storage = Open(store);
        var grain = GrainId.Create("customer", "stale");

        await storage.WriteStateAsync(StateName, grain, Versioned(7, "newer"));
        var stale = Versioned(5, "older");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, Versioned(7, "same version")));

        var read = await ReadAsync<Snapshot>(storage, grain);
        Assert.Equal("newer", read.State!.Text);
        Assert.Equal("7", read.ETag);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task An_unversioned_state_written_from_an_outdated_read_is_refused(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var storage = Open(store);
        var grain = GrainId.Create("population", "0");

        var first = new GrainState<Note>(new Note { Text = "one" });
        await storage.WriteStateAsync(StateName, grain, first);
        var second = await ReadAsync<Note>(storage, grain);
        var third = await ReadAsync<Note>(storage, grain);

        second.State!.Text = "two";
        await storage.WriteStateAsync(StateName, grain, second);
        third.State!.Text = "from the outdated read";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, third));

        Assert.Equal("two", (await ReadAsync<Note>(storage, grain)).State!.Text);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_new_instance_reads_what_the_previous_one_committed_and_a_cleared_state_is_gone(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var kept = GrainId.Create("customer", "kept");
        var cleared = GrainId.Create("customer", "cleared");
        await using (var before = Open(store))
        {
            await before.WriteStateAsync(StateName, kept, Versioned(3, "kept"));
            var doomed = Versioned(4, "cleared");
            await before.WriteStateAsync(StateName, cleared, doomed);
            await before.ClearStateAsync(StateName, cleared, doomed);
            Assert.False(doomed.RecordExists);
        }

        await using var after = Open(store);
        var read = await ReadAsync<Snapshot>(after, kept);
        Assert.True(read.RecordExists);
        Assert.Equal("kept", read.State!.Text);
        Assert.Equal(3, read.State.Version);

        var gone = await ReadAsync<Snapshot>(after, cleared);
        Assert.False(gone.RecordExists);
        Assert.Null(gone.ETag);
    }

    private static async Task<GrainState<T>> ReadAsync<T>(GroupedGrainStorage storage, GrainId grain) where T : new()
    {
        var read = new GrainState<T>(new T());
        await storage.ReadStateAsync(StateName, grain, read);
        return read;
    }

    private static GrainState<Snapshot> Versioned(long version, string text) => new(new Snapshot { Version = version, Text = text });

    /// <summary>Records the states per commit of one database (other tests commit to others at the same time).</summary>
    private static MeterListener ListenToCommits(string database, List<int> commits)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EngagementMeter.Name && instrument.Name == "engagement.checkpoint.commit.states") l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<int>((_, states, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "db.namespace" && Equals(tag.Value, database))
                {
                    lock (commits) commits.Add(states);
                }
            }
        });
        listener.Start();
        return listener;
    }

    public sealed class Snapshot : IVersionedGrainState
    {
        public long Version { get; set; }

        public string Text { get; set; } = "";
    }

    public sealed class Note
    {
        public string Text { get; set; } = "";
    }

    private static GroupedGrainStorage Open(TestStore store) =>
        new(store.Dialect, new Engagement.Storage.JsonGrainStorageSerializer(), maxWritesPerCommit: 1_000, NullLogger<GroupedGrainStorage>.Instance);
}
