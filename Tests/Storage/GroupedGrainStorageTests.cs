using System.Diagnostics.Metrics;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Storage;

namespace Engagement.Tests.Storage;

/// <summary>
/// The grouped checkpoint storage on both real stores: many grains per transaction, a stale write refused,
/// state read back by a fresh instance (as after a restart).
/// </summary>
public sealed class GroupedGrainStorageTests(GroupedGrainStorageTests.Stores stores) : IClassFixture<GroupedGrainStorageTests.Stores>
{
    private const string StateName = "customer";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<StoreKind> Kinds => [StoreKind.Sqlite, StoreKind.PostgreSql];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Writes_queued_while_a_commit_waits_are_committed_together(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind);
        var commits = new List<int>();
        using var listener = ListenToCommits(store.Namespace, commits);
        await using var storage = store.Open();

        // Another writer holds the table, so the first commit waits and every later write queues behind it.
        var grains = Enumerable.Range(0, 200).Select(i => GrainId.Create("customer", $"c{i}")).ToArray();
        Task[] writes;
        await using (await store.LockAsync())
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
    [MemberData(nameof(Kinds))]
    public async Task A_stale_activation_cannot_overwrite_a_newer_checkpoint(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind);
        await using var storage = store.Open();
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
    [MemberData(nameof(Kinds))]
    public async Task An_unversioned_state_written_from_an_outdated_read_is_refused(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind);
        await using var storage = store.Open();
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
    [MemberData(nameof(Kinds))]
    public async Task A_new_instance_reads_what_the_previous_one_committed_and_a_cleared_state_is_gone(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind);
        var kept = GrainId.Create("customer", "kept");
        var cleared = GrainId.Create("customer", "cleared");
        await using (var before = store.Open())
        {
            await before.WriteStateAsync(StateName, kept, Versioned(3, "kept"));
            var doomed = Versioned(4, "cleared");
            await before.WriteStateAsync(StateName, cleared, doomed);
            await before.ClearStateAsync(StateName, cleared, doomed);
            Assert.False(doomed.RecordExists);
        }

        await using var after = store.Open();
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
                if (instrument.Meter.Name == JournalMetrics.MeterName && instrument.Name == "engagement.checkpoint.commit.states") l.EnableMeasurementEvents(instrument);
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

    /// <summary>A fresh database per test: a SQLite file in a temp folder, or a database of one PostgreSQL server shared by the class.</summary>
    public sealed class Stores : IAsyncLifetime
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), $"grouped-storage-{Guid.NewGuid():N}");
        private readonly List<NpgsqlDataSource> _dataSources = [];
        private PostgresServer? _postgres;
        private int _databases;

        public async ValueTask InitializeAsync()
        {
            Directory.CreateDirectory(_folder);
            _postgres = await PostgresServer.StartAsync();
        }

        public async Task<Store> CreateAsync(StoreKind kind)
        {
            var number = Interlocked.Increment(ref _databases);
            if (kind == StoreKind.Sqlite)
            {
                var file = Path.Combine(_folder, $"grains-{number}.db");
                var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString;
                await StoreSchema.ApplyAsync(kind, connectionString, Ct);
                return new Store(kind, connectionString, null, file);
            }

            var database = $"grouped_{number}";
            var postgresConnection = await _postgres!.CreateDatabaseAsync(database, Ct);
            await StoreSchema.ApplyAsync(kind, postgresConnection, Ct);
            var dataSource = NpgsqlDataSource.Create(postgresConnection);
            lock (_dataSources) _dataSources.Add(dataSource);
            return new Store(kind, postgresConnection, dataSource, database);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var dataSource in _dataSources) await dataSource.DisposeAsync();
            if (_postgres is not null) await _postgres.DisposeAsync();
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>One test's database.</summary>
    public sealed record Store(StoreKind Kind, string ConnectionString, NpgsqlDataSource? DataSource, string Namespace)
    {
        public GroupedGrainStorage Open() =>
            new(ConnectionString, DataSource, new Engagement.Storage.JsonGrainStorageSerializer(), maxWritesPerCommit: 1_000, NullLogger<GroupedGrainStorage>.Instance);

        /// <summary>Holds the checkpoint table against writers until disposed (SQLite: the file's write lock).</summary>
        public async Task<IAsyncDisposable> LockAsync()
        {
            if (Kind == StoreKind.Sqlite)
            {
                var sqlite = new SqliteConnection(ConnectionString);
                await sqlite.OpenAsync(Ct);
                return new HeldLock(sqlite, sqlite.BeginTransaction(deferred: false));
            }
            var postgres = await DataSource!.OpenConnectionAsync(Ct);
            var transaction = await postgres.BeginTransactionAsync(Ct);
            await using var command = new NpgsqlCommand("LOCK TABLE engagement_checkpoints IN EXCLUSIVE MODE", postgres, transaction);
            await command.ExecuteNonQueryAsync(Ct);
            return new HeldLock(postgres, transaction);
        }
    }

    private sealed class HeldLock(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
