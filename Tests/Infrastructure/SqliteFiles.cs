using Microsoft.Data.Sqlite;

namespace Engagement.Tests.Infrastructure;

/// <summary>Statements run against one of a running engine's SQLite files from outside it (as an operator, or a fault, would).</summary>
public static class SqliteFiles
{
    /// <summary>A connection string to a database file, unpooled so that nothing holds the file after the test.</summary>
    public static string Of(string path) => new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString;

    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 30;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
