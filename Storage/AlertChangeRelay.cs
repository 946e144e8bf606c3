using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Contracts.Alerts;

namespace Engagement.Storage;

/// <summary>
/// Copies the alert change log (<c>engagement_alert_changes</c>, written in the transaction of each alert change) into the
/// change feed. The alerts live in the grain-state database (on SQLite another file than the feed's), so they cannot join
/// the feed's transaction; the log is their outbox instead. The copied rows and the relay's position are written in one
/// transaction of the feed's database, under the change writers' lock: every stored alert change reaches the feed once.
/// </summary>
/// <param name="personalAttributes">
/// The profile attributes that identify a person (<c>Engagement:Privacy:PersonalAttributes</c>): an alert's context goes to
/// other systems without them (they have the customer id).
/// </param>
public sealed class AlertChangeRelay(StoreDialect alerts, StoreDialect feed, ChangeFeedWriter writer, IReadOnlySet<string>? personalAttributes = null)
{
    private const string Source = "alerts";

    private static JsonSerializerOptions Json => SqlAlertStore.Json;

    /// <summary>Copies up to <paramref name="limit"/> alert changes not yet in the feed; returns how many. Pulses the feed's signal when it copied any.</summary>
    public Task<int> RelayAsync(int limit, CancellationToken cancellationToken = default) => feed.OffTheCaller(async () =>
    {
        await using var connection = await feed.OpenReadAsync(cancellationToken);
        await using var transaction = await feed.BeginWriteAsync(connection, cancellationToken);
        // Taken before the position is read: two relays (two silos) copy one after the other, never the same rows twice.
        await feed.LockChangeWritersAsync(connection, transaction, cancellationToken);
        long position;
        await using (var read = SqlCommands.Create(connection, transaction, "SELECT sequence FROM engagement_change_relay WHERE source = @source", ("source", Source)))
        {
            position = Convert.ToInt64(await read.ExecuteScalarAsync(cancellationToken) ?? 0L, CultureInfo.InvariantCulture);
        }

        var copied = new List<(long Sequence, NewChange Change)>();
        await using (var source = await alerts.OpenReadAsync(cancellationToken))
        await using (var read = SqlCommands.Create(source, null,
            $"SELECT sequence, payload FROM engagement_alert_changes WHERE sequence > @after ORDER BY sequence LIMIT {Math.Clamp(limit, 1, 10_000)}",
            ("after", position)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var payload = reader.GetString(1);
                var alert = JsonSerializer.Deserialize<Alert>(payload, Json)!;
                if (personalAttributes is not null && alert.Context.Profile.Keys.Any(personalAttributes.Contains))
                {
                    alert = alert with { Context = alert.Context with { Profile = alert.Context.Profile.Where(a => !personalAttributes.Contains(a.Key)).ToDictionary() } };
                    payload = JsonSerializer.Serialize(alert, Json);
                }
                copied.Add((reader.GetInt64(0), ChangeFeedWriter.Of(alert, payload)));
            }
        }
        if (copied.Count == 0) return 0;

        await ChangeRows.InsertAsync(feed, connection, transaction, [.. copied.Select(c => c.Change)], writer.Now, cancellationToken);
        await using (var move = SqlCommands.Create(connection, transaction, """
            INSERT INTO engagement_change_relay (source, sequence) VALUES (@source, @sequence)
            ON CONFLICT (source) DO UPDATE SET sequence = excluded.sequence
            """, ("source", Source), ("sequence", copied[^1].Sequence)))
        {
            await move.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        writer.Signal.Pulse();
        return copied.Count;
    });
}
