using System.CommandLine;
using System.Net;
using Engagement.Load.Ceilings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Engagement.Load.Commands;

/// <summary>
/// <c>baseline-server</c>: hosts <see cref="BaselineIngest"/> on loopback (HTTP/2 cleartext, like the engine's
/// gRPC endpoint), so the same <c>run</c> command measures the bare gRPC ceiling in the same session.
/// </summary>
public static class BaselineServerCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Loopback port to listen on.", DefaultValueFactory = _ => 5181 };
        var lifetime = new Option<TimeSpan>("--for") { Description = "Stop by itself after this long (Ctrl+C stops it sooner).", DefaultValueFactory = _ => TimeSpan.FromHours(1), CustomParser = OptionParsers.Duration };
        var command = new Command("baseline-server", "Serve a bare gRPC Ingest that acknowledges every batch without doing any work (the transport ceiling).") { port, lifetime };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, parse.GetValue(port), listen => listen.Protocols = HttpProtocols.Http2));
            // Same receive limit as the engine's ingest (twice its 4 MiB batch limit).
            builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 8 * 1024 * 1024);
            await using var app = builder.Build();
            app.MapGrpcService<BaselineIngest>();

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(parse.GetValue(lifetime));
            await app.StartAsync(stop.Token);
            Console.WriteLine($"baseline: bare gRPC Ingest on http://127.0.0.1:{parse.GetValue(port)} (any --key is accepted; use --watch 0 and --duplicates 0 --invalid 0 against it)");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
