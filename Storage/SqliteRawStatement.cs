using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Engagement.Storage;

/// <summary>
/// A statement prepared once for a group commit and bound through SQLite's own API, row after row. Binding
/// through <see cref="SqliteCommand"/> costs a binder object per parameter, a data reader and a UTF-8 copy of
/// every string per row; here each text is encoded into one reused buffer that SQLite copies
/// (<c>SQLITE_TRANSIENT</c>), so a row allocates nothing. It runs inside the writer's transaction on the
/// same connection, and is finalized before the group's transaction ends.
/// </summary>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _scratch = new byte[256];

    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    /// <summary>Binds text (1-based index); null is SQL NULL.</summary>
    public void Text(int index, string? value)
    {
        if (value is null)
        {
            Null(index);
            return;
        }
        var needed = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (needed > _scratch.Length) _scratch = new byte[Math.Max(needed, _scratch.Length * 2)];
        var length = Encoding.UTF8.GetBytes(value, _scratch);
        Check(raw.sqlite3_bind_text(_statement, index, _scratch.AsSpan(0, length)));
    }

    /// <summary>Binds an instant as the dialect stores it (UTC text), formatted straight into UTF-8.</summary>
    public void Instant(int index, DateTimeOffset value)
    {
        if (!value.UtcDateTime.TryFormat(_scratch, out var length, SqliteDialect.InstantFormat, System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("An instant did not fit its buffer.");
        }
        Check(raw.sqlite3_bind_text(_statement, index, _scratch.AsSpan(0, length)));
    }

    public void Int64(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Int64(int index, long? value)
    {
        if (value is { } v) Int64(index, v);
        else Null(index);
    }

    public void Double(int index, double value) => Check(raw.sqlite3_bind_double(_statement, index, value));

    public void Null(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs the bound row and readies the statement for the next; returns the rows it changed.</summary>
    public int Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        // Reset before a throw too: the statement stays usable, and reset reports the step's error again.
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) SqliteException.ThrowExceptionForRC(rc, _db);
        return raw.sqlite3_changes(_db);
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }
}
