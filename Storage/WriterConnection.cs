using System.Data.Common;

namespace Engagement.Storage;

/// <summary>
/// The connection a store's writer commits through, made by its <see cref="StoreDialect"/>: on SQLite one
/// long-lived connection (SQLite has one writer at a time anyway), opened for durability and reopened should it
/// ever be closed; on PostgreSQL a pooled connection per commit.
/// </summary>
internal abstract class WriterConnection : IAsyncDisposable
{
    public abstract ValueTask<Lease> OpenAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>The connection for one commit; a pooled one goes back to the pool when the lease is disposed.</summary>
    internal readonly struct Lease(DbConnection connection, bool owned) : IAsyncDisposable
    {
        public DbConnection Connection => connection;

        public ValueTask DisposeAsync() => owned ? connection.DisposeAsync() : ValueTask.CompletedTask;
    }
}
