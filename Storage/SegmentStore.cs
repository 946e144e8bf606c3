using System.Data.Common;

namespace Engagement.Storage;

/// <summary>
/// One version of a segment: its rule (null: the version that removed it), its description, and who wrote it and when.
/// <see cref="Revision"/> rises with every version written to the store, whatever the segment.
/// </summary>
public sealed record SegmentVersion(
    string Name, int Version, string? Rule, string Description, string Source, string ChangedBy, string Role, DateTimeOffset ChangedAt, long Revision)
{
    public bool Removed => Rule is null;
}

/// <summary>Who writes a segment: an API key's name and role, or the rules file.</summary>
public sealed record SegmentAuthor(string Name, string Role)
{
    /// <summary>The source of a version written through the API.</summary>
    public const string ApiSource = "api";

    /// <summary>The source of a version seeded from the rules file (<c>Engagement:Rules:Segments</c>).</summary>
    public const string FileSource = "file";

    public static SegmentAuthor RulesFile { get; } = new("rules file", FileSource);
}

public enum SegmentWriteStatus
{
    /// <summary>A new version was written.</summary>
    Saved,

    /// <summary>The segment already reads so: no version written.</summary>
    Unchanged,

    /// <summary>The expected version is not the current one.</summary>
    Conflict,

    /// <summary>No such segment to remove (or it is removed already).</summary>
    NotFound,
}

/// <summary>What a write did, and the version it wrote (a removal's too) or the one current (null when there is none).</summary>
public sealed record SegmentWrite(SegmentWriteStatus Status, SegmentVersion? Current);

/// <summary>
/// Segments as data, in the journal's database: every version kept. The rules file seeds the store, and the file
/// re-seeds only names the API never touched: once a segment has been written through the API, the store's version
/// wins and the file's entry for that name is ignored (see <see cref="SeedAsync"/>). Writers take one lock, so versions
/// are numbered without gaps or clashes whatever the number of silos and gateways.
/// </summary>
public sealed class SqlSegmentStore(StoreDialect dialect, TimeProvider clock)
{
    private const string Columns = "name, version, rule, description, source, changed_by, role, changed_at, id";

    public StoreDialect Dialect => dialect;

    /// <summary>The highest revision written (0 before the first): a change of it is a change of some segment.</summary>
    public async Task<long> RevisionAsync(CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync("SELECT COALESCE(MAX(id), 0) FROM engagement_segment_versions", [], r => r.GetInt64(0), cancellationToken);
        return found[0];
    }

    /// <summary>The segments in force (each one's latest version, removed ones left out), by name after <paramref name="afterName"/>.</summary>
    public Task<IReadOnlyList<SegmentVersion>> CurrentAsync(string? afterName = null, int limit = int.MaxValue, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT {Columns} FROM engagement_segment_versions v
            WHERE v.version = (SELECT MAX(w.version) FROM engagement_segment_versions w WHERE w.name_key = v.name_key)
                AND v.rule IS NOT NULL AND v.name_key > @after
            ORDER BY v.name_key LIMIT {Math.Clamp(limit, 1, int.MaxValue)}
            """, [("after", Key(afterName ?? ""))], Read, cancellationToken);

    /// <summary>Every version of one segment, the newest first; empty when the name was never written.</summary>
    public Task<IReadOnlyList<SegmentVersion>> HistoryAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM engagement_segment_versions WHERE name_key = @key ORDER BY version DESC",
            [("key", Key(name))], Read, cancellationToken);

    /// <summary>
    /// Writes a version of <paramref name="name"/>: <paramref name="rule"/> and <paramref name="description"/>, or a removal
    /// when <paramref name="rule"/> is null. With <paramref name="expectedVersion"/>, only if that is the current version
    /// (0: the segment must not exist, or be removed). A write that changes nothing writes no version.
    /// </summary>
    public Task<SegmentWrite> WriteAsync(string name, string? rule, string description, SegmentAuthor author, int? expectedVersion,
        CancellationToken cancellationToken = default) =>
        dialect.OffTheCaller(() => WriteOnceAsync(name, rule, description, author, expectedVersion, cancellationToken));

    private async Task<SegmentWrite> WriteOnceAsync(string name, string? rule, string description, SegmentAuthor author, int? expectedVersion,
        CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenReadAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        var latest = await LatestAsync(connection, transaction, name, cancellationToken);
        var current = latest is { Removed: false } ? latest : null;
        if (expectedVersion is { } expected && expected != (current?.Version ?? 0)) return new SegmentWrite(SegmentWriteStatus.Conflict, current);
        if (rule is null && current is null) return new SegmentWrite(SegmentWriteStatus.NotFound, null);
        if (rule is not null && current is not null && current.Rule == rule && current.Description == description)
        {
            return new SegmentWrite(SegmentWriteStatus.Unchanged, current);
        }
        // The name keeps the spelling it was first defined with: it is what the feed and the query index carry.
        var written = await InsertAsync(connection, transaction, latest?.Name ?? name, (latest?.Version ?? 0) + 1, rule, description, SegmentAuthor.ApiSource, author,
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SegmentWrite(SegmentWriteStatus.Saved, written);
    }

    /// <summary>
    /// Brings the store in line with the rules file's segments for every name the API never wrote: a new or changed
    /// rule is a new version, a name gone from the file a removal. Names the API wrote are the API's from then on.
    /// Returns how many versions were written. Safe when several silos seed at once (one of them writes).
    /// </summary>
    public Task<int> SeedAsync(IReadOnlyDictionary<string, string> fileSegments, CancellationToken cancellationToken = default) =>
        dialect.OffTheCaller(() => SeedOnceAsync(fileSegments, cancellationToken));

    private async Task<int> SeedOnceAsync(IReadOnlyDictionary<string, string> fileSegments, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenReadAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        var latest = new Dictionary<string, SegmentVersion>(StringComparer.Ordinal);
        var touchedByApi = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = SqlCommands.Create(connection, transaction, $"SELECT {Columns} FROM engagement_segment_versions ORDER BY name_key, version"))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var version = Read(reader);
                latest[Key(version.Name)] = version;
                if (version.Source == SegmentAuthor.ApiSource) touchedByApi.Add(Key(version.Name));
            }
        }
        var written = 0;
        var file = fileSegments.ToDictionary(s => Key(s.Key), s => s, StringComparer.Ordinal);
        foreach (var (key, (name, rule)) in file)
        {
            if (touchedByApi.Contains(key)) continue;
            if (latest.TryGetValue(key, out var stored) && stored.Rule == rule) continue;
            await InsertAsync(connection, transaction, stored?.Name ?? name, (stored?.Version ?? 0) + 1, rule, "", SegmentAuthor.FileSource, SegmentAuthor.RulesFile,
                cancellationToken);
            written++;
        }
        foreach (var (key, stored) in latest)
        {
            if (touchedByApi.Contains(key) || stored.Removed || file.ContainsKey(key)) continue;
            await InsertAsync(connection, transaction, stored.Name, stored.Version + 1, null, stored.Description, SegmentAuthor.FileSource, SegmentAuthor.RulesFile,
                cancellationToken);
            written++;
        }
        await transaction.CommitAsync(cancellationToken);
        return written;
    }

    private static async Task<SegmentVersion?> LatestAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken)
    {
        await using var read = SqlCommands.Create(connection, transaction,
            $"SELECT {Columns} FROM engagement_segment_versions WHERE name_key = @key ORDER BY version DESC LIMIT 1", ("key", Key(name)));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private async Task<SegmentVersion> InsertAsync(DbConnection connection, DbTransaction transaction, string name, int version, string? rule,
        string description, string source, SegmentAuthor author, CancellationToken cancellationToken)
    {
        var at = clock.GetUtcNow();
        await using var insert = SqlCommands.Create(connection, transaction, $"""
            INSERT INTO engagement_segment_versions (name_key, name, version, rule, description, source, changed_by, role, changed_at)
            VALUES (@key, @name, @version, @rule, @description, @source, @by, @role, @at) RETURNING id
            """, ("key", Key(name)), ("name", name), ("version", version), ("rule", (object?)rule ?? DBNull.Value), ("description", description),
            ("source", source), ("by", author.Name), ("role", author.Role), ("at", at.ToUnixTimeMilliseconds()));
        var id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        // The stored instant is milliseconds: answer what a read gives back.
        return new SegmentVersion(name, version, rule, description, source, author.Name, author.Role,
            DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()), id);
    }

    private static SegmentVersion Read(DbDataReader r) => new(r.GetString(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3),
        r.GetString(4), r.GetString(5), r.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)), r.GetInt64(8));

    /// <summary>Names are matched ignoring case, as the rules file's dictionary matches them.</summary>
    public static string Key(string name) => name.ToLowerInvariant();

    /// <summary>
    /// A write transaction that holds the segment writers' lock until it ends, so that a write reads the versions it
    /// numbers after: SQLite's write transaction holds the file's one write lock already; PostgreSQL takes an advisory lock.
    /// </summary>
    private async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await dialect.BeginWriteAsync(connection, cancellationToken);
        if (dialect.Kind == StoreKind.PostgreSql)
        {
            await using var @lock = SqlCommands.Create(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", SegmentWritersLockKey));
            await @lock.ExecuteNonQueryAsync(cancellationToken);
        }
        return transaction;
    }

    /// <summary>Beside the dialect's own advisory lock keys (alert writers 7321001, change writers 7321016).</summary>
    private const long SegmentWritersLockKey = 7321017;

    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object Value)[] parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken) =>
        SqlCommands.QueryAsync(dialect, sql, parameters, map, cancellationToken);
}
