using System.CommandLine.Parsing;
using System.Globalization;

namespace Engagement.Load.Commands;

/// <summary>Values as people type them: <c>30s</c>, <c>2m</c>, <c>1%</c>, <c>max</c>.</summary>
public static class OptionParsers
{
    public static TimeSpan Duration(ArgumentResult result) => ParseDuration(result.Tokens.Single().Value, result);

    public static TimeSpan ParseDuration(string text, ArgumentResult? result = null)
    {
        var (number, unit) = Split(text);
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            switch (unit)
            {
                case "ms": return TimeSpan.FromMilliseconds(value);
                case "s" or "": return TimeSpan.FromSeconds(value);
                case "m": return TimeSpan.FromMinutes(value);
                case "h": return TimeSpan.FromHours(value);
            }
        }
        result?.AddError($"'{text}' is not a duration such as 500ms, 30s, 2m or 1h");
        return TimeSpan.Zero;
    }

    /// <summary>A fraction: <c>1%</c> or <c>0.01</c>.</summary>
    public static double Fraction(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        var percent = text.EndsWith('%');
        if (double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            var fraction = percent ? value / 100 : value;
            if (fraction is >= 0 and <= 0.5) return fraction;
        }
        result.AddError($"'{text}' is not a rate between 0% and 50% (e.g. 1% or 0.01)");
        return 0;
    }

    /// <summary>Events per second, or <c>max</c> (infinity): as fast as acknowledgements allow.</summary>
    public static double? Rate(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        // "max" is infinity, not null: System.CommandLine cannot hand a parsed null back as a double?.
        if (string.Equals(text, "max", StringComparison.OrdinalIgnoreCase)) return double.PositiveInfinity;
        var (number, unit) = Split(text);
        var scale = unit switch { "" => 1, "k" => 1_000, "m" => 1_000_000, _ => 0 };
        if (scale > 0 && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0) return value * scale;
        result.AddError($"'{text}' is not an event rate such as 50000, 50k or max");
        return null;
    }

    public static Uri Loopback(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) result.AddError($"'{text}' is not an absolute URL such as http://127.0.0.1:5081");
        else if (!uri.IsLoopback) result.AddError($"{text} is not a loopback address: this tool only talks to this machine");
        return uri ?? new Uri("http://127.0.0.1");
    }

    private static (string Number, string Unit) Split(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        var end = trimmed.Length;
        while (end > 0 && char.IsAsciiLetter(trimmed[end - 1])) end--;
        return (trimmed[..end], trimmed[end..]);
    }
}
