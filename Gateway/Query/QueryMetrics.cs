using System.Diagnostics.Metrics;
using Engagement.Storage;

namespace Engagement.Gateway.Query;

/// <summary>Query instruments on the <c>Engagement</c> meter.</summary>
public static class QueryMetrics
{
    public const string ExportedRowsName = "engagement.query.export.rows";

    private static readonly Counter<long> ExportedRows = EngagementMeter.Instance.CreateCounter<long>(
        ExportedRowsName, unit: "{customer}", description: "Customers written to export responses, by format (csv, ndjson, grpc), as they are written.");

    public static void Exported(int rows, string format)
    {
        if (rows > 0) ExportedRows.Add(rows, new KeyValuePair<string, object?>("format", format));
    }
}
