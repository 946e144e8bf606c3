using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Engagement.Storage;

/// <summary>
/// The connection a group-commit writer commits through. On SQLite, one long-lived connection (SQLite has
/// one writer at a time anyway), opened for durability and reopened should it ever be closed; on
/// PostgreSQL, a pooled connection per commit.
/// </summary>
internal sealed class WriterConnection(string connectionString, NpgsqlDataSource? postgres) : IAsyncDisposable
{
    private SqliteConnection? _sqlite;

    /// <summary>
    /// What every connection that writes a SQLite file sets. FULL: every commit is on disk before the ack goes out,
    /// even across a power cut. A longer WAL between checkpoints copies a page that many commits wrote into the file
    /// once; the WAL is shared by the file's writers, so all of them must agree, or the one with the lower limit
    /// checkpoints for all.
    /// </summary>
    private const string SqliteWriteSettings = "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 16384;";

    public async ValueTask<Lease> OpenAsync(CancellationToken cancellationToken)
    {
        if (postgres is not null) return new Lease(await postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false), owned: true);
        if (_sqlite is { State: System.Data.ConnectionState.Open }) return new Lease(_sqlite, owned: false);
        if (_sqlite is not null) await _sqlite.DisposeAsync().ConfigureAwait(false);
        _sqlite = new SqliteConnection(connectionString);
        await _sqlite.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = _sqlite.CreateCommand();
        // A writer touches pages all over its B-trees (one customer per row): a larger page cache saves re-reading them.
        pragma.CommandText = SqliteWriteSettings + " PRAGMA cache_size = -32768;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new Lease(_sqlite, owned: false);
    }

    /// <summary>A connection for reads: pooled on PostgreSQL; on SQLite a pooled one of its own (WAL lets reads run beside the writer).</summary>
    public static async ValueTask<DbConnection> OpenReadAsync(string connectionString, NpgsqlDataSource? postgres, CancellationToken cancellationToken)
    {
        if (postgres is not null) return await postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_sqlite is not null) await _sqlite.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The connection for one commit; a pooled one goes back to the pool when the lease is disposed.</summary>
    internal readonly struct Lease(DbConnection connection, bool owned) : IAsyncDisposable
    {
        public DbConnection Connection => connection;

        public ValueTask DisposeAsync() => owned ? connection.DisposeAsync() : ValueTask.CompletedTask;
    }
}
