using System.Globalization;

namespace Engagement.Feeds.Replay;

/// <summary>One line of a CDNOW-format transaction file.</summary>
public readonly record struct Transaction(string CustomerId, DateOnly Date, int Units, decimal Amount);

/// <summary>
/// Reads CDNOW-format files: whitespace separated, optional header line, and either the master layout
/// (customer id, yyyymmdd, CDs, dollars) or the sample layout (master id, sample id, yyyymmdd, CDs, dollars).
/// The last three columns are always date, CDs and dollars and the first is the customer id, so both layouts
/// are read by position from the end.
/// </summary>
public static class TransactionFile
{
    public static IEnumerable<Transaction> Read(string path)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            if (lineNumber == 1 && !fields[0].All(char.IsAsciiDigit)) continue; // header
            if (fields.Length < 4) throw new FormatException($"{path}:{lineNumber}: expected at least 4 columns, found {fields.Length}.");

            var n = fields.Length;
            if (!DateOnly.TryParseExact(fields[n - 3], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || !int.TryParse(fields[n - 2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var units)
                || !decimal.TryParse(fields[n - 1], NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
            {
                throw new FormatException($"{path}:{lineNumber}: expected 'customer yyyymmdd units amount', found '{line.Trim()}'.");
            }

            yield return new Transaction(fields[0], date, units, amount);
        }
    }
}
