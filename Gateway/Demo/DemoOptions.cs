using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Demo;

/// <summary>The console's demo feed (<c>Engagement:Demo</c>).</summary>
public sealed class DemoOptions
{
    public const string Section = "Engagement:Demo";

    /// <summary>The folder whose CDNOW-format <c>.txt</c> files the demo may replay, relative to the working directory.</summary>
    [Required]
    public string DataFolder { get; set; } = "../shared/datasets/cdnow";

    /// <summary>How often a running demo refits the population, so that tiers and RFM cells fill in while it runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefitInterval { get; set; } = TimeSpan.FromSeconds(10);
}

[OptionsValidator]
public sealed partial class DemoOptionsValidator : IValidateOptions<DemoOptions>;
