using Engagement.Grains.Customers;
using static Engagement.Tests.Customers.CustomerEvents;

namespace Engagement.Tests.Customers;

/// <summary>
/// Duplicates within a customer's slice and those the journal already had: what is appended, what is applied,
/// and which positions the ack names as duplicates.
/// </summary>
public sealed class EventSliceTests
{
    /// <summary>
    /// Event ids of the slice as sent; the journal's answer per distinct id ('1' new, '0' had it); the ids applied,
    /// in order; and the duplicates' positions in the slice as sent.
    /// </summary>
    public static TheoryData<string, string, string, int[]> Slices => new()
    {
        { "a b c", "111", "a b c", [] },
        { "a a b", "11", "a b", [1] },
        { "a b a b a", "11", "a b", [2, 3, 4] },
        { "a b c", "010", "b", [0, 2] },
        // The journal's duplicate (b at 1) sorts before the in-slice one (a at 2) though it was found after it.
        { "a b a c", "101", "a c", [1, 2] },
        { "a b c", "000", "", [0, 1, 2] },
        // Ids are compared exactly, as the journal's unique index does.
        { "x X x ", "11", "x X", [2] },
        { "", "", "", [] },
    };

    [Theory]
    [MemberData(nameof(Slices))]
    public void The_first_id_counts_and_duplicates_are_reported_by_position(string ids, string journal, string applied, int[] duplicated)
    {
        var events = Ids(ids).Select(id => Visit(Start, id)).ToList();
        var slice = new EventSlice(events);

        Assert.Equal(Ids(ids).Distinct(StringComparer.Ordinal), slice.Distinct.Select(e => e.EventId));
        Assert.All(slice.Distinct, e => Assert.Same(events.First(x => x.EventId == e.EventId), e));

        var fresh = slice.Fresh([.. journal.Select(c => c == '1')]);
        Assert.Equal(Ids(applied), fresh.Select(i => slice.Distinct[i].EventId));

        var result = slice.Result();
        Assert.Equal(Ids(applied).Length, result.Accepted);
        Assert.Equal(events.Count - Ids(applied).Length, result.Duplicates);
        if (duplicated.Length == 0) Assert.Null(result.Duplicated);
        else Assert.Equal(duplicated, result.Duplicated);
    }

    [Fact]
    public void The_journal_must_answer_for_every_appended_event()
    {
        var slice = new EventSlice([Visit(Start, "a"), Visit(Start, "b")]);
        Assert.Throws<ArgumentException>(() => slice.Fresh([true]));
    }

    [Fact]
    public void There_is_no_result_before_the_journal_has_answered()
    {
        var slice = new EventSlice([Visit(Start, "a")]);
        Assert.Throws<InvalidOperationException>(slice.Result);
        slice.Fresh([true]);
        Assert.Throws<InvalidOperationException>(() => slice.Fresh([true]));
        Assert.Equal(1, slice.Result().Accepted);
    }

    private static string[] Ids(string ids) => ids.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
