using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Engagement.Storage;

/// <summary>
/// A grain state whose version rises with every change (a customer checkpoint carries the version of
/// the journal history it reflects). <see cref="GroupedGrainStorage"/> stores it under that version, so
/// an older copy, written by a stale activation during a failover, can never replace a newer one.
/// </summary>
public interface IVersionedGrainState
{
    long Version { get; }
}

/// <summary>
/// Orleans grain storage that writes the states of many grains in one transaction, off the grain
/// scheduler (see <see cref="GroupCommitWriter{TWrite,TResult}"/>). A write is acknowledged only after
/// its transaction committed. Orleans' ADO.NET provider writes one grain per transaction, and on SQLite
/// its asynchronous calls run synchronously on the silo's scheduler threads: thousands of checkpoints due
/// together stalled ingest for seconds.
/// </summary>
/// <remarks>
/// Versions only rise. A state that implements <see cref="IVersionedGrainState"/> is stored under its own
/// version; any other under the version it was read with (its ETag) plus one. A write whose version is
/// not above the stored one changes nothing and throws <see cref="InconsistentStateException"/>, which
/// makes Orleans deactivate the stale activation.
/// </remarks>
public sealed class GroupedGrainStorage : GroupCommitWriter<GroupedGrainStorage.StateWrite, bool>, IGrainStorage
{
    // The same SQL on both stores: both take @-parameters and the upsert's WHERE clause.
    internal const string UpsertSql = """
        INSERT INTO engagement_checkpoints (state_key, version, payload) VALUES (@key, @version, @payload)
        ON CONFLICT (state_key) DO UPDATE SET version = excluded.version, payload = excluded.payload
        WHERE engagement_checkpoints.version < excluded.version
        """;

    internal const string DeleteSql = "DELETE FROM engagement_checkpoints WHERE state_key = @key AND version <= @version";

    private const string ReadSql = "SELECT version, payload FROM engagement_checkpoints WHERE state_key = @key";

    private readonly StoreDialect _dialect;
    private readonly WriterConnection _writer;
    private readonly IGrainStorageSerializer _serializer;

    public GroupedGrainStorage(StoreDialect dialect, IGrainStorageSerializer serializer, int maxWritesPerCommit, ILogger<GroupedGrainStorage> logger)
        : base(maxWritesPerCommit, logger)
    {
        _dialect = dialect;
        _writer = dialect.CreateWriter();
        _serializer = serializer;
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = await _dialect.OpenReadAsync(CancellationToken.None).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, ReadSql, ("key", KeyOf(stateName, grainId)));
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false)) return;
        var version = reader.GetInt64(0);
        grainState.State = _serializer.Deserialize<T>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
        grainState.ETag = FormatVersion(version);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var version = grainState.State is IVersionedGrainState versioned ? versioned.Version : ParseVersion(grainState.ETag) + 1;
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var key = KeyOf(stateName, grainId);
        if (!await EnqueueAsync(new StateWrite(key, version, payload), CancellationToken.None).ConfigureAwait(false))
        {
            throw new InconsistentStateException(
                $"The stored state of {key} is newer than version {version}: another activation wrote it.", "(newer)", FormatVersion(version));
        }
        grainState.ETag = FormatVersion(version);
        grainState.RecordExists = true;
    }

    /// <summary>
    /// Deletes the stored state unless a newer version is stored: then it stays, since the activation
    /// that wrote it owns the grain now. Never refused.
    /// </summary>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var version = grainState.State is IVersionedGrainState versioned ? versioned.Version : ParseVersion(grainState.ETag);
        await EnqueueAsync(new StateWrite(KeyOf(stateName, grainId), version, null), CancellationToken.None).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    protected override void OnCommitted(int writes, int weight, TimeSpan duration) => JournalMetrics.RecordCheckpointCommit(writes, duration, _dialect.Database);

    protected override async Task<bool[]> CommitGroupAsync(IReadOnlyList<StateWrite> group, CancellationToken cancellationToken)
    {
        await using var lease = await _writer.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(lease.Connection, cancellationToken).ConfigureAwait(false);
        var results = await _dialect.WriteStatesAsync(lease.Connection, transaction, group, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeCoreAsync().ConfigureAwait(false);
    }

    /// <summary>The row a grain's state is kept in (an erasure deletes it by this key).</summary>
    public static string KeyOf(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    private static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static long ParseVersion(string? etag) => etag is null ? 0 : long.Parse(etag, CultureInfo.InvariantCulture);

    /// <summary>One grain's state at a version; no payload clears it.</summary>
    public sealed record StateWrite(string Key, long Version, byte[]? Payload);
}
