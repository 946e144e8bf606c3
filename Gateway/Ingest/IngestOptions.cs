using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Ingest;

/// <summary>Limits of the ingest edge (<c>Engagement:Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "Engagement:Ingest";

    /// <summary>A batch with more events is refused as a whole.</summary>
    [Range(1, 100_000)]
    public int MaxEventsPerBatch { get; set; } = 1000;

    /// <summary>A batch whose encoded size is larger is refused as a whole.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How far in the future an event time may lie (clocks of channels drift).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Batches of one stream processed at once; the stream stops reading beyond this, which slows the channel down.</summary>
    [Range(1, 1024)]
    public int MaxInFlightBatches { get; set; } = 8;

    [Range(8, 1024)]
    public int MaxIdLength { get; set; } = 128;

    [Range(1, 65536)]
    public int MaxTextLength { get; set; } = 1024;

    [Range(1, 1024)]
    public int MaxProfileAttributes { get; set; } = 64;

    /// <summary>The channels the deployment has (<c>Engagement:Ingest:Channels</c>); events from any other are refused. Unset: <see cref="DefaultChannels"/>.</summary>
    public string[]? Channels { get; set; }

    /// <summary>The domain's channels: web shop, mobile app, phone/IVR, store POS, chat, email, social, and the CRM's profile updates.</summary>
    public static readonly IReadOnlyList<string> DefaultChannels = ["web", "app", "phone", "ivr", "store", "pos", "chat", "email", "social", "crm", "other"];

    /// <summary>The channels in force: as configured, or the defaults.</summary>
    public IReadOnlyList<string> KnownChannels => Channels is { Length: > 0 } configured ? configured : DefaultChannels;
}

[OptionsValidator]
public sealed partial class IngestOptionsValidator : IValidateOptions<IngestOptions>;
