using System.ComponentModel.DataAnnotations;

namespace Engagement.Grains.Identity;

/// <summary>Merges and unmerges (<c>Engagement:Identity</c>).</summary>
public sealed class IdentityOptions
{
    public const string Section = "Engagement:Identity";

    /// <summary>How long after a merge it can be undone (30 days by default).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan UnmergeWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often a gateway asks whether its map of merged ids is still current (2 seconds by default).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RedirectRefresh { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest reason a merge or unmerge takes.</summary>
    public const int MaxReasonLength = 500;
}
