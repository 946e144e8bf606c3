namespace Engagement.Model;

/// <summary>
/// How much one customer may hold, whatever its channels send (<c>Engagement:Limits</c>): past these the model
/// evicts, as documented on each, so that no customer can grow its state, card or alerts without bound.
/// </summary>
/// <param name="MaxProfileAttributes">
/// Profile attributes kept; past it the attribute updated longest ago is evicted (removed ones' markers first).
/// </param>
/// <param name="MaxOpenComplaints">
/// Open complaint tickets kept; past it the least pressing one (lowest severity, then opened last) is forgotten,
/// not resolved: the card and the alerts no longer show it.
/// </param>
public sealed record CustomerLimits(int MaxProfileAttributes = CustomerLimits.DefaultMaxProfileAttributes, int MaxOpenComplaints = CustomerLimits.DefaultMaxOpenComplaints)
{
    public const int DefaultMaxProfileAttributes = 200;
    public const int DefaultMaxOpenComplaints = 100;

    public static CustomerLimits Default { get; } = new();
}
