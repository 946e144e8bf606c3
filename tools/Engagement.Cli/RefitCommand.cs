using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Engagement.Cli;

/// <summary>
/// <c>refit [--as-of yyyy-mm-dd] [--web URL]</c>: asks a running engine (role <c>admin</c>) to refit its population
/// statistics now and prints the result as JSON.
/// </summary>
public static class RefitCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var connection = new EngineConnection();
        var asOf = new Option<string?>("--as-of") { Description = "The as-of time of the refit (default: now), e.g. 1997-09-30." };
        var web = new Option<string>("--web")
        {
            Description = "The engine's HTTP endpoint.",
            DefaultValueFactory = _ => "http://127.0.0.1:5080",
        };
        var command = new Command("refit", "Refit a running engine's population statistics (BG/NBD, Gamma-Gamma, RFM, ABC).") { asOf, web };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = new Uri(parse.GetValue(web)!);
            if (!target.IsLoopback)
            {
                await Console.Error.WriteLineAsync($"refit: --web {target} is not a loopback address.");
                return 1;
            }
            using var http = new HttpClient { BaseAddress = target };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.KeyFor(parse, "admin"));
            var query = parse.GetValue(asOf) is { Length: > 0 } at ? $"?asOf={Uri.EscapeDataString(at)}" : "";
            var response = await http.PostAsync($"/api/population/refit{query}", null, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"refit: {(int)response.StatusCode} {body}");
                return 1;
            }
            using var document = JsonDocument.Parse(body);
            Console.WriteLine(JsonSerializer.Serialize(document.RootElement, Indented));
            return 0;
        });
        return command;
    }
}
