using System.Data.Common;
using Engagement.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// Fresh databases for the store tests, on both stores: a SQLite file in a temp folder, or a database of one
/// PostgreSQL server started for the collection. Each comes with its dialect, disposed with the fixture.
/// </summary>
public sealed class TestStores : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"engagement-stores-{Guid.NewGuid():N}");
    private readonly List<StoreDialect> _dialects = [];
    private PostgresServer? _postgres;
    private int _databases;

    public static TheoryData<StoreKind> Kinds => [StoreKind.Sqlite, StoreKind.PostgreSql];

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _postgres = await PostgresServer.StartAsync();
    }

    /// <summary>A new, empty database with the schema applied.</summary>
    public async Task<TestStore> CreateAsync(StoreKind kind, CancellationToken cancellationToken)
    {
        var store = await CreateEmptyAsync(kind, cancellationToken);
        await StoreSchema.ApplyAsync(store.Dialect, cancellationToken);
        return store;
    }

    /// <summary>A new database without any table (to build an older schema in, or to apply the schema to later).</summary>
    public async Task<TestStore> CreateEmptyAsync(StoreKind kind, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _databases);
        var name = kind == StoreKind.Sqlite ? Path.Combine(_folder, $"store-{number}.db") : $"store_{number}";
        var connectionString = kind == StoreKind.Sqlite
            ? new SqliteConnectionStringBuilder { DataSource = name, Pooling = false }.ConnectionString
            : await _postgres!.CreateDatabaseAsync(name, cancellationToken);
        var dialect = StoreDialect.Create(kind, connectionString);
        lock (_dialects) _dialects.Add(dialect);
        return new TestStore(kind, connectionString, dialect, name);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dialect in _dialects) await dialect.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>One test's database; <see cref="Namespace"/> is its <c>db.namespace</c> in metrics (the file, or the database).</summary>
public sealed record TestStore(StoreKind Kind, string ConnectionString, StoreDialect Dialect, string Namespace)
{
    /// <summary>Holds <paramref name="table"/> against writers until disposed (on SQLite the file's one write lock, so every table).</summary>
    public async Task<IAsyncDisposable> LockAsync(string table, CancellationToken cancellationToken)
    {
        if (Kind == StoreKind.Sqlite)
        {
            var sqlite = new SqliteConnection(ConnectionString);
            await sqlite.OpenAsync(cancellationToken);
            return new HeldLock(sqlite, sqlite.BeginTransaction(deferred: false));
        }
        var postgres = new NpgsqlConnection(ConnectionString);
        await postgres.OpenAsync(cancellationToken);
        var transaction = await postgres.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"LOCK TABLE {table} IN EXCLUSIVE MODE", postgres, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new HeldLock(postgres, transaction);
    }

    private sealed class HeldLock(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

/// <summary>The store tests share one PostgreSQL server.</summary>
[CollectionDefinition(Name)]
public sealed class StoreCollection : ICollectionFixture<TestStores>
{
    public const string Name = "Stores";
}
