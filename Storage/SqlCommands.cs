using System.Data.Common;

namespace Engagement.Storage;

/// <summary>Commands with named parameters for either store (both providers take @-parameters).</summary>
internal static class SqlCommands
{
    public static DbCommand Create(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        AddParameters(command.Parameters, command.CreateParameter, parameters);
        return command;
    }

    /// <summary>Adds named parameters to a command's or a batch command's collection.</summary>
    public static void AddParameters(DbParameterCollection collection, Func<DbParameter> create, params (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value;
            collection.Add(parameter);
        }
    }

    /// <summary>Reads every row of one statement on a read connection of its own, off the caller where the driver would block it.</summary>
    public static Task<IReadOnlyList<T>> QueryAsync<T>(StoreDialect dialect, string sql, (string Name, object Value)[] parameters, Func<DbDataReader, T> map,
        CancellationToken cancellationToken) =>
        dialect.OffTheCaller<IReadOnlyList<T>>(async () =>
        {
            await using var connection = await dialect.OpenReadAsync(cancellationToken);
            await using var command = Create(connection, null, sql, parameters);
            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) rows.Add(map(reader));
            return rows;
        });
}
