using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Engagement.Contracts.Alerts;

/// <summary>
/// Where a page of <c>Alerts.List</c> starts: after the alert raised at <see cref="RaisedAtMilliseconds"/> (Unix milliseconds) with id <see cref="AlertId"/>
/// (newest raised first, ties by id). Both are fixed when the alert is raised, so an alert that changes between pages
/// keeps its place: nothing is skipped or listed twice (the sequence of its latest change would move it). Opaque to
/// clients: URL-safe base64 of JSON.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AlertPageKey([property: Id(0)] long RaisedAtMilliseconds, [property: Id(1)] string AlertId)
{
    public static AlertPageKey After(Alert alert) => new(alert.RaisedAt.ToUnixTimeMilliseconds(), alert.AlertId);

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Wire(RaisedAtMilliseconds, AlertId)));

    /// <summary>The key a client sent back as its page token, or null when it is not one.</summary>
    public static AlertPageKey? Decode(string token)
    {
        try
        {
            return JsonSerializer.Deserialize<Wire>(Base64Url.DecodeFromChars(token)) is { A: { Length: > 0 } id, R: var raised } ? new AlertPageKey(raised, id) : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException or DecoderFallbackException)
        {
            return null;
        }
    }

    private sealed record Wire(long R, string? A);
}
