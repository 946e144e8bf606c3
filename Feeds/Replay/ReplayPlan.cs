using System.Globalization;
using System.Runtime.CompilerServices;
using Engagement.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Engagement.Feeds.Replay;

/// <summary>How a transaction file is replayed.</summary>
public sealed record ReplayOptions
{
    /// <summary>Replay transactions up to and including this day only.</summary>
    public DateOnly? Until { get; init; }

    /// <summary>Prefix of the engine's customer ids (the file's ids follow it).</summary>
    public string CustomerPrefix { get; init; } = "cdnow-";

    /// <summary>
    /// When set, every date moves by the same number of days so that the last replayed day is this instant's
    /// (UTC) day: the customers read as a live business today instead of one whose customers all left in 1998.
    /// </summary>
    public DateTimeOffset? RebaseTo { get; init; }

    /// <summary>The most events in one batch (a batch never spans two days, so progress is by day).</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>
    /// Send the batches as a backfill (the batch's <c>backfill</c> flag): the engine applies and journals them but
    /// raises no alert about the past; the closing check of the fed customers raises what is true at the end.
    /// </summary>
    public bool Backfill { get; init; } = true;
}

/// <summary>
/// A CDNOW-format file as purchase events in date order, paced by days of data per second. Event ids come from the
/// transaction itself (customer, day, units, amount, and its ordinal among identical lines of that customer and
/// day), not from the file: a replay run again, or another file with the same transactions (CDNOW's sample is
/// a part of its master), is counted as duplicates, not applied twice.
/// </summary>
public sealed class ReplayPlan : IFeedSource
{
    private readonly (Transaction Transaction, int Index, string EventId)[] _rows;
    private readonly string _idPrefix;
    private readonly ReplayOptions _options;

    private ReplayPlan(string source, (Transaction, int, string)[] rows, ReplayOptions options)
    {
        Source = source;
        _rows = rows;
        _options = options;
        _idPrefix = Path.GetFileNameWithoutExtension(source);
        if (rows.Length == 0) return;
        FirstDay = rows[0].Item1.Date;
        LastDay = rows[^1].Item1.Date;
        RebaseDays = options.RebaseTo is { } to ? DateOnly.FromDateTime(to.UtcDateTime).DayNumber - LastDay.DayNumber : 0;
    }

    public string Kind => "replay";

    /// <summary>The file's name.</summary>
    public string Source { get; }

    public long? Total => _rows.Length;

    /// <summary>The engine's ids of the customers the plan feeds, each once: whom the closing check of the backfill checks.</summary>
    public IEnumerable<string> Customers => _rows.Select(r => _options.CustomerPrefix + r.Transaction.CustomerId).Distinct(StringComparer.Ordinal);

    /// <summary>The first and last data day (as in the file, before any rebasing).</summary>
    public DateOnly FirstDay { get; }

    public DateOnly LastDay { get; }

    /// <summary>Days added to every date (zero unless rebased).</summary>
    public int RebaseDays { get; }

    /// <exception cref="FormatException">A line is not in the CDNOW format.</exception>
    public static ReplayPlan Load(string path, ReplayOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        var identical = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = TransactionFile.Read(path)
            .Select((transaction, index) => (Transaction: transaction, Index: index, EventId: EventIdOf(transaction, options.CustomerPrefix, identical)))
            .ToArray()
            .Where(r => options.Until is null || r.Transaction.Date <= options.Until)
            .OrderBy(r => r.Transaction.Date) // stable: a day's transactions keep the file's order
            .ToArray();
        return new ReplayPlan(Path.GetFileName(path), rows, options);
    }

    /// <summary>Batches of one day each (split at the batch size); a day's batch is due when the pace reaches it.</summary>
    public async IAsyncEnumerable<FeedBatch> ReadAsync(FeedPace pace, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = 0;
        while (start < _rows.Length)
        {
            var day = _rows[start].Transaction.Date;
            var end = start;
            while (end < _rows.Length && end - start < _options.BatchSize && _rows[end].Transaction.Date == day) end++;

            await pace.WaitUntilAsync(day.DayNumber - FirstDay.DayNumber, cancellationToken);
            var batch = new EventBatch { BatchId = $"{_idPrefix}-{_rows[start].Index}", Backfill = _options.Backfill };
            for (var i = start; i < end; i++) batch.Events.Add(Purchase(_rows[i].Transaction, _rows[i].EventId));
            yield return new FeedBatch(batch, day);
            start = end;
        }
    }

    /// <summary>The moment a transaction of <paramref name="day"/> (as in the file) is replayed at.</summary>
    public DateTimeOffset OccurredAt(DateOnly day)
    {
        // Noon UTC: the purchase's calendar day stays the file's day in any time zone within ±11 h. Rebased, the
        // last day's noon may still be ahead of the rebasing instant, which the engine would refuse as future.
        var at = new DateTimeOffset(day.AddDays(RebaseDays).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);
        return _options.RebaseTo is { } to && at > to ? to : at;
    }

    /// <summary>
    /// The event id of a transaction: its content, and the how-manieth identical line of the customer and day it is
    /// (counted in <paramref name="identical"/> over the file in its order), e.g. <c>cdnow-00004-19970101-2-29.33-1</c>.
    /// </summary>
    public static string EventIdOf(Transaction transaction, string customerPrefix, Dictionary<string, int> identical)
    {
        var content = string.Create(CultureInfo.InvariantCulture,
            $"{customerPrefix}{transaction.CustomerId}-{transaction.Date:yyyyMMdd}-{transaction.Units}-{transaction.Amount:0.00}");
        var ordinal = identical[content] = identical.GetValueOrDefault(content) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"{content}-{ordinal}");
    }

    private Event Purchase(Transaction transaction, string eventId) => new()
    {
        EventId = eventId,
        CustomerId = _options.CustomerPrefix + transaction.CustomerId,
        Channel = "store",
        OccurredAt = Timestamp.FromDateTimeOffset(OccurredAt(transaction.Date)),
        Purchase = new Purchase { Amount = (double)transaction.Amount, Currency = "USD", OrderId = eventId },
    };
}
