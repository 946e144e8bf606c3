using System.Data.Common;
using System.Diagnostics;
using Engagement.Contracts.Alerts;
using Npgsql;

namespace Engagement.Storage;

/// <summary>
/// Where SQLite and PostgreSQL part ways, in one place: how a writer and a reader connect, how an instant is
/// stored, and the few statements the two write differently (batch inserts and upserts, the alert numbering,
/// the schema's lock). The journal, the grouped grain storage, the alert store and the schema run one flow on
/// both stores and ask their dialect at those points. One dialect per database; it owns what it opened (the
/// PostgreSQL data source).
/// </summary>
public abstract class StoreDialect : IAsyncDisposable
{
    // Only the two dialects below: the stores rely on their semantics (durable commits, write transactions).
    private protected StoreDialect()
    {
    }

    /// <summary>The dialect of the database <paramref name="connectionString"/> names.</summary>
    public static StoreDialect Create(StoreKind kind, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return kind switch
        {
            StoreKind.Sqlite => new SqliteDialect(connectionString),
            StoreKind.PostgreSql => new PostgresDialect(NpgsqlDataSource.Create(connectionString)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
        };
    }

    public abstract StoreKind Kind { get; }

    /// <summary>The database in metric tags: <c>db.system.name</c> and <c>db.namespace</c> (the SQLite file or PostgreSQL database).</summary>
    internal abstract TagList Database { get; }

    /// <summary>A writer's connection, one per store: on SQLite one long-lived connection, on PostgreSQL the pool.</summary>
    internal abstract WriterConnection CreateWriter();

    /// <summary>A connection for reads, never a writer's (on SQLite, WAL lets reads run beside the writer).</summary>
    internal abstract ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken);

    /// <summary>A read-only transaction whose statements all see one snapshot of the store.</summary>
    internal abstract ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A transaction that writes: on SQLite it takes the file's write lock at once.</summary>
    internal abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Runs store work outside the calling grain's turn where the driver would block it (Microsoft.Data.Sqlite's
    /// async methods run synchronously); on PostgreSQL it runs as it is.
    /// </summary>
    internal abstract Task<T> OffTheCaller<T>(Func<Task<T>> work);

    /// <summary>An instant of the journal as the store keeps it.</summary>
    internal abstract DateTimeOffset ReadInstant(DbDataReader reader, int ordinal);

    /// <summary>An instant as a parameter that compares with the journal's instants (<see cref="ReadInstant"/>'s columns).</summary>
    internal abstract object InstantValue(DateTimeOffset instant);

    /// <summary>Inserts the group's journal entries (new event ids only) and says, per append and entry, whether it was new.</summary>
    internal abstract Task<bool[][]> AppendAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<GroupCommitJournal.PendingAppend> group, CancellationToken cancellationToken);

    /// <summary>Stores each customer's digest (one per customer), replacing the one stored.</summary>
    internal abstract Task UpsertDigestsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken);

    /// <summary>What the customer query index (<see cref="CustomerIndex"/>) holds now of the digests' customers that are stored.</summary>
    internal abstract Task<IReadOnlyDictionary<string, CustomerIndex.Indexed>> ReadIndexedAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken);

    /// <summary>Writes the customer query index's changes (after the digests' upsert, in its transaction).</summary>
    internal abstract Task WriteIndexAsync(DbConnection connection, DbTransaction transaction, CustomerIndexChanges changes, CancellationToken cancellationToken);

    /// <summary>
    /// Writes or clears grain states (<see cref="GroupedGrainStorage.UpsertSql"/>, <see cref="GroupedGrainStorage.DeleteSql"/>)
    /// and says, per write, whether it was taken (an upsert is not when a newer version is stored; a clear always is).
    /// </summary>
    internal abstract Task<bool[]> WriteStatesAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<GroupedGrainStorage.StateWrite> group, CancellationToken cancellationToken);

    /// <summary>
    /// The next <paramref name="count"/> alert sequence numbers, ascending, such that sequence order is commit order:
    /// the transaction holds the alert writers' lock until it ends.
    /// </summary>
    internal abstract Task<IReadOnlyList<long>> NextAlertSequencesAsync(DbConnection connection, DbTransaction transaction,
        int count, CancellationToken cancellationToken);

    /// <summary>Appends the numbered changes to the change log and makes each alert's last change its latest state.</summary>
    internal abstract Task WriteAlertsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<SqlAlertStore.StoredAlert> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Held by a transaction that inserts into the change feed until it ends, so that the feed's sequence order is commit
    /// order; SQLite's one writer already is that lock.
    /// </summary>
    internal virtual Task LockChangeWritersAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>SQL that reads the text of a top-level field of a JSON column.</summary>
    internal abstract string JsonText(string column, string field);

    /// <summary>
    /// SQL that is true where a text column starts with a lower-case prefix, case ignored: <c>@parameter</c> holds a LIKE
    /// pattern with '\' as its escape. It matches the store's prefix indexes of 11-population.sql.
    /// </summary>
    internal abstract string PrefixLike(string column, string parameter);

    /// <summary>SQL that is true where the text <paramref name="haystack"/> contains the text of <c>@parameter</c>, case and wildcards as they are.</summary>
    internal abstract string Contains(string haystack, string parameter);

    /// <summary>The folder of this store's schema scripts under Storage/Sql/.</summary>

    internal abstract string SchemaFolder { get; }

    /// <summary>The connection that applies the schema.</summary>
    internal virtual ValueTask<DbConnection> OpenSchemaConnectionAsync(CancellationToken cancellationToken) => OpenReadAsync(cancellationToken);

    /// <summary>
    /// A transaction that holds the schema lock, so that processes starting together apply the schema one after
    /// the other.
    /// </summary>
    internal abstract Task<DbTransaction> BeginSchemaAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a schema script through <paramref name="execute"/>: as it is, where the store understands every statement
    /// of it (SQLite rewrites what it lacks).
    /// </summary>
    internal virtual Task ExecuteScriptAsync(DbConnection connection, DbTransaction transaction, string script,
        Func<string, CancellationToken, Task> execute, CancellationToken cancellationToken) => execute(script, cancellationToken);

    /// <summary>The column type of the instant a schema script was applied at.</summary>
    internal abstract string SchemaInstantType { get; }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
