namespace Engagement.Gateway.Ingest;

/// <summary>
/// One rule for ids on every way in (ingest, card reads and watches, the hubs): present, at most
/// <see cref="IngestOptions.MaxIdLength"/> characters, no control characters. An id that breaks it is never echoed back
/// (a 100 KB id in an error message breaks HTTP/2 clients' header limits) and never becomes a grain.
/// </summary>
public static class IdCheck
{
    /// <summary>Why <paramref name="value"/> is not an id, or null when it is one.</summary>
    public static string? Problem(string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return "required";
        if (value.Length > maxLength) return $"longer than {maxLength} characters";
        if (value.Any(char.IsControl)) return "contains control characters";
        return null;
    }
}
