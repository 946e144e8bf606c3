using System.Text.Json;
using Engagement.Contracts.Alerts;

namespace Engagement.Storage;

/// <summary>
/// The alert history's retention (issue 17): a resolved alert whose resolution is older than a cutoff goes, with its
/// change log and its recorded outcome requests. An alert not resolved is never deleted, however old.
/// </summary>
/// <remarks>
/// The alert with the highest change sequence stays whatever its age: on SQLite the next sequence continues from the
/// highest stored, and readers resume after a sequence, so it must never go down.
/// </remarks>
public sealed class AlertHistoryRetention(StoreDialect alerts)
{
    // Raised before the cutoff is necessary for resolved before it: the raised-time index narrows the scan.
    private const string CandidatesSql = """
        SELECT alert_id, raised_at, payload FROM engagement_alerts
        WHERE state = 'Resolved' AND raised_at < @cutoff AND (raised_at > @afterRaised OR (raised_at = @afterRaised AND alert_id > @afterId))
        ORDER BY raised_at, alert_id LIMIT @limit
        """;

    /// <summary>
    /// Deletes up to <paramref name="limit"/> resolved alerts (scanning at most that many candidates) resolved before
    /// <paramref name="cutoff"/>; returns how many were deleted and whether candidates remain to scan from <paramref name="after"/>.
    /// </summary>
    public async Task<AlertRetentionStep> DeleteResolvedBeforeAsync(DateTimeOffset cutoff, AlertRetentionCursor after, int limit,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var expired = new List<string>();
        var scanned = 0;
        var next = after;
        await using (var connection = await alerts.OpenReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = SqlCommands.Create(connection, null, CandidatesSql, ("cutoff", cutoff.ToUnixTimeMilliseconds()),
                ("afterRaised", after.RaisedAt), ("afterId", after.AlertId), ("limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                scanned++;
                next = new AlertRetentionCursor(reader.GetInt64(1), reader.GetString(0));
                var alert = JsonSerializer.Deserialize<Alert>(reader.GetString(2), SqlAlertStore.Json)!;
                if ((alert.ResolvedAt ?? alert.UpdatedAt) < cutoff) expired.Add(alert.AlertId);
            }
        }
        var deleted = expired.Count == 0 ? 0 : await DeleteAsync(expired, cancellationToken).ConfigureAwait(false);
        return new AlertRetentionStep(deleted, scanned == limit ? next : null);
    }

    private async Task<int> DeleteAsync(IReadOnlyList<string> alertIds, CancellationToken cancellationToken)
    {
        var ids = alertIds.Select((id, i) => ($"id{i}", (object)id)).ToArray();
        var list = string.Join(", ", ids.Select(p => "@" + p.Item1));
        await using var connection = await alerts.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await alerts.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var gone = new List<(string, object)>();
        await using (var delete = SqlCommands.Create(connection, transaction, $"""
            DELETE FROM engagement_alerts WHERE alert_id IN ({list}) AND state = 'Resolved'
                AND sequence < (SELECT MAX(sequence) FROM engagement_alert_changes)
            RETURNING alert_id
            """, ids))
        await using (var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) gone.Add(($"gone{gone.Count}", reader.GetString(0)));
        }
        if (gone.Count > 0)
        {
            var goneList = string.Join(", ", gone.Select(p => "@" + p.Item1));
            foreach (var table in new[] { "engagement_alert_changes", "engagement_alert_outcome_requests" })
            {
                await using var history = SqlCommands.Create(connection, transaction, $"DELETE FROM {table} WHERE alert_id IN ({goneList})", [.. gone]);
                await history.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return gone.Count;
    }
}

/// <summary>Where a scan of resolved alerts stands: after this raised time (Unix milliseconds) and alert id.</summary>
public sealed record AlertRetentionCursor(long RaisedAt, string AlertId)
{
    public static AlertRetentionCursor Start { get; } = new(long.MinValue, "");
}

/// <summary>One step of the alert history's retention: how many alerts went, and where the next step scans from (null: done).</summary>
public sealed record AlertRetentionStep(int Deleted, AlertRetentionCursor? Next);
