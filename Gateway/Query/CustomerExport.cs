using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Engagement.Storage;

namespace Engagement.Gateway.Query;

/// <summary>
/// Writes an export row by row as the store's reader yields it, flushing often, so that the response starts with the
/// first row and holds no more of the list than the transport's buffers: a slow client slows the read, never fills memory.
/// </summary>
public static class CustomerExport
{
    public const string Csv = "csv";
    public const string Ndjson = "ndjson";

    /// <summary>The columns of a CSV export, in order (NDJSON has the same fields, camel case).</summary>
    public static readonly string[] CsvColumns =
    [
        "customer_id", "name", "stage", "tier", "rfm_cell", "rfm_group", "segments", "team", "clv", "churn_risk", "expected_loss",
        "total_spend", "purchase_days", "first_purchase", "last_purchase", "due_at",
    ];

    private const int RowsPerFlush = 64;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string ContentType(string format) => format == Csv ? "text/csv; charset=utf-8" : "application/x-ndjson";

    public static async Task WriteAsync(PipeWriter output, string format, IAsyncEnumerable<CustomerRow> rows, CancellationToken cancellationToken)
    {
        if (format == Csv) WriteText(output, string.Join(',', CsvColumns) + "\r\n");
        using var json = new Utf8JsonWriter(output);
        var pending = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (format == Csv)
            {
                WriteText(output, CsvLine(row));
            }
            else
            {
                JsonSerializer.Serialize(json, row, Json);
                json.Reset();
                output.Write("\n"u8);
            }
            if (++pending == RowsPerFlush)
            {
                pending = 0;
                // Waits while the client is behind: the backpressure that keeps the export's memory bounded.
                var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCanceled || flushed.IsCompleted) return;
            }
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static string CsvLine(CustomerRow row)
    {
        var line = new StringBuilder(256);
        void Text(string? value)
        {
            if (line.Length > 0) line.Append(',');
            if (string.IsNullOrEmpty(value)) return;
            // A spreadsheet runs a cell that starts with = + - @ as a formula: such text is kept as text.
            if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
            if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0) line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else line.Append(value);
        }
        void Number(double value)
        {
            line.Append(',');
            line.Append(value.ToString("R", CultureInfo.InvariantCulture));
        }
        Text(row.CustomerId);
        Text(row.Name);
        Text(row.Stage);
        Text(row.Tier);
        Text(row.RfmCell);
        Text(row.RfmGroup);
        Text(string.Join(';', row.Segments));
        Text(row.Team);
        Number(row.Clv);
        Number(row.ChurnRisk);
        Number(row.ExpectedLoss);
        Number(row.TotalSpend);
        line.Append(',').Append(row.PurchaseDays.ToString(CultureInfo.InvariantCulture));
        Text(row.FirstPurchase?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Text(row.LastPurchase?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Text(row.DueAt?.ToString("O", CultureInfo.InvariantCulture));
        return line.Append("\r\n").ToString();
    }

    private static void WriteText(PipeWriter output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
