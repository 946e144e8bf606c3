namespace Engagement.Model;

public enum SurveyKind { Csat, Nps }

public enum NpsCategory { Detractor, Passive, Promoter }

public enum ComplaintSeverity { Low, Medium, High }

public enum ContactChannel { Call, Chat }

public enum ContactOutcome { Resolved, Unresolved, Transferred }

public sealed record SurveyAnswer(DateTimeOffset At, int Score);

/// <summary>A complaint ticket; open while it has been opened and not resolved (events may arrive in any order).</summary>
public sealed class Complaint
{
    public ComplaintSeverity Severity { get; set; }
    public DateTimeOffset? OpenedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }

    public bool IsOpen => OpenedAt is not null && ResolvedAt is null;
}

/// <summary>An open complaint as shown on the card.</summary>
public sealed record OpenComplaint(string Ticket, ComplaintSeverity Severity, DateTimeOffset OpenedAt, double AgeDays, bool Overdue);

/// <summary>Satisfaction as of an evaluation.</summary>
public sealed record SatisfactionSnapshot(
    double? CsatMean,
    int CsatAnswers,
    int? LastNps,
    NpsCategory? NpsCategory,
    IReadOnlyList<OpenComplaint> OpenComplaints)
{
    public static NpsCategory CategoryOf(int nps) => nps switch
    {
        >= 9 => Model.NpsCategory.Promoter,
        >= 7 => Model.NpsCategory.Passive,
        _ => Model.NpsCategory.Detractor,
    };
}

/// <summary>
/// Survey answers, complaints and service contacts, each kept bounded so that applying an event costs O(1):
/// the last <c>CsatWindow</c> CSAT answers by event time, the last NPS answer, complaint tickets (resolved ones
/// pruned beyond a few dozen), and the recent unresolved contacts.
/// </summary>
public sealed class ServiceHistory
{
    private const int ResolvedComplaintsKept = 32;
    private const int UnresolvedContactsKept = 32;

    /// <summary>The most recent CSAT answers, oldest first.</summary>
    public List<SurveyAnswer> RecentCsat { get; init; } = [];

    public SurveyAnswer? LastNps { get; set; }

    public Dictionary<string, Complaint> Complaints { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Recent unresolved contacts, oldest first.</summary>
    public List<DateTimeOffset> UnresolvedContacts { get; init; } = [];

    public DateTimeOffset? LastResolvedContactAt { get; set; }

    public void AddSurvey(SurveyKind kind, int score, DateTimeOffset at, int csatWindow)
    {
        if (kind == SurveyKind.Csat)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(score, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(score, 5);
            InsertByTime(RecentCsat, new SurveyAnswer(at, score), a => a.At, csatWindow);
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(score, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(score, 10);
            if (LastNps is null || at >= LastNps.At) LastNps = new SurveyAnswer(at, score);
        }
    }

    /// <summary>Opens a ticket; past <paramref name="maxOpen"/> open ones, the least pressing (lowest severity, then opened last) is forgotten.</summary>
    public void OpenComplaint(string ticket, ComplaintSeverity severity, DateTimeOffset at, int maxOpen = CustomerLimits.DefaultMaxOpenComplaints)
    {
        var complaint = Ticket(ticket);
        complaint.Severity = severity;
        complaint.OpenedAt = complaint.OpenedAt is { } earlier && earlier < at ? earlier : at;
        if (!complaint.IsOpen || Complaints.Count <= maxOpen) return;

        string? victim = null;
        Complaint? least = null;
        var open = 0;
        foreach (var (id, c) in Complaints)
        {
            if (!c.IsOpen) continue;
            open++;
            if (least is null || c.Severity < least.Severity
                || (c.Severity == least.Severity && (c.OpenedAt > least.OpenedAt || (c.OpenedAt == least.OpenedAt && string.CompareOrdinal(id, victim) > 0))))
            {
                (victim, least) = (id, c);
            }
        }
        if (open > maxOpen) Complaints.Remove(victim!);
    }

    public void ResolveComplaint(string ticket, DateTimeOffset at)
    {
        Ticket(ticket).ResolvedAt = at;
        var resolved = Complaints.Where(c => c.Value.ResolvedAt is not null).ToArray();
        if (resolved.Length <= ResolvedComplaintsKept) return;
        foreach (var (oldest, _) in resolved.OrderBy(c => c.Value.ResolvedAt).Take(resolved.Length - ResolvedComplaintsKept)) Complaints.Remove(oldest);
    }

    public void AddContact(ContactOutcome outcome, DateTimeOffset at)
    {
        if (outcome == ContactOutcome.Resolved)
        {
            if (LastResolvedContactAt is null || at > LastResolvedContactAt) LastResolvedContactAt = at;
        }
        else if (outcome == ContactOutcome.Unresolved)
        {
            InsertByTime(UnresolvedContacts, at, t => t, UnresolvedContactsKept);
        }
    }

    /// <summary>Unresolved contacts in the window before <paramref name="asOf"/> and after the last resolved contact.</summary>
    public int RepeatedUnresolvedContacts(DateTimeOffset asOf, double windowDays) =>
        UnresolvedContacts.Count(t => t <= asOf && t > asOf.AddDays(-windowDays) && (LastResolvedContactAt is null || t > LastResolvedContactAt));

    public SatisfactionSnapshot Snapshot(DateTimeOffset asOf, double overdueDays)
    {
        // Most customers have no survey answer and no complaint: nothing to filter or sort then.
        var csat = RecentCsat.Count == 0 ? [] : RecentCsat.Where(a => a.At <= asOf).ToArray();
        var open = Complaints.Count == 0 ? [] : Complaints
            .Where(c => c.Value.IsOpen && c.Value.OpenedAt <= asOf)
            .Select(c => (c.Key, c.Value.Severity, OpenedAt: c.Value.OpenedAt!.Value, Age: (asOf - c.Value.OpenedAt!.Value).TotalDays))
            .OrderByDescending(c => c.Severity).ThenBy(c => c.OpenedAt)
            .Select(c => new OpenComplaint(c.Key, c.Severity, c.OpenedAt, c.Age, c.Age > overdueDays))
            .ToArray();
        var nps = LastNps is { } answer && answer.At <= asOf ? answer.Score : (int?)null;
        return new SatisfactionSnapshot(
            csat.Length == 0 ? null : csat.Average(a => a.Score),
            csat.Length,
            nps,
            nps is { } score ? SatisfactionSnapshot.CategoryOf(score) : null,
            open);
    }

    private Complaint Ticket(string ticket)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ticket);
        if (!Complaints.TryGetValue(ticket, out var complaint)) Complaints[ticket] = complaint = new Complaint();
        return complaint;
    }

    /// <summary>Inserts in event-time order and keeps the newest <paramref name="capacity"/> items.</summary>
    private static void InsertByTime<T>(List<T> items, T item, Func<T, DateTimeOffset> time, int capacity)
    {
        var index = items.Count;
        while (index > 0 && time(items[index - 1]) > time(item)) index--;
        items.Insert(index, item);
        while (items.Count > capacity) items.RemoveAt(0);
    }
}
