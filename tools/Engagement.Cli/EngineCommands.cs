using System.CommandLine;
using Engagement.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Engagement.Cli;

/// <summary>
/// A gRPC client of a running engine, for trying it out and for scripts. Messages are read and printed
/// in the protobuf JSON mapping, the same shape grpcurl uses.
/// </summary>
public static class EngineCommands
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    /// <summary><c>submit [file|-]</c>: sends one EventBatch (JSON) through Ingest.Submit and prints the BatchAck.</summary>
    public static Command Submit()
    {
        var connection = new EngineConnection();
        var file = new Argument<string>("batch") { Description = "An EventBatch as JSON: a file, or - for standard input.", DefaultValueFactory = _ => "-" };
        var command = new Command("submit", "Send a batch of events (EventBatch JSON) to a running engine.") { file };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var path = parse.GetValue(file)!;
            var text = path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
            var batch = JsonParser.Default.Parse<EventBatch>(text);
            var invoker = connection.Open(parse, "channel", out var channel);
            using (channel)
            {
                var ack = await new Ingest.IngestClient(invoker).SubmitAsync(batch, cancellationToken: cancellationToken);
                Console.WriteLine(Json.Format(ack));
            }
        }));
        return command;
    }

    /// <summary><c>card &lt;customer-id&gt;</c>: prints the customer's card.</summary>
    public static Command Card()
    {
        var connection = new EngineConnection();
        var customer = new Argument<string>("customer-id");
        var command = new Command("card", "Print a customer's card.") { customer };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var invoker = connection.Open(parse, "agent", out var channel);
            using (channel)
            {
                var card = await new Customers.CustomersClient(invoker)
                    .GetAsync(new GetCustomerRequest { CustomerId = parse.GetValue(customer)! }, cancellationToken: cancellationToken);
                Console.WriteLine(Json.Format(card));
            }
        }));
        return command;
    }

    /// <summary><c>watch &lt;customer-id&gt;</c>: prints the card, then every change, until Ctrl+C.</summary>
    public static Command Watch()
    {
        var connection = new EngineConnection();
        var customer = new Argument<string>("customer-id");
        var command = new Command("watch", "Follow a customer's card as it changes (Ctrl+C to stop).") { customer };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var invoker = connection.Open(parse, "agent", out var channel);
            using (channel)
            {
                using var call = new Customers.CustomersClient(invoker)
                    .Watch(new WatchCustomerRequest { CustomerId = parse.GetValue(customer)! }, cancellationToken: cancellationToken);
                try
                {
                    await foreach (var card in call.ResponseStream.ReadAllAsync(cancellationToken)) Console.WriteLine(Json.Format(card));
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
                {
                    // Ctrl+C: the normal end of a watch.
                }
            }
        }));
        return command;
    }

    private static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (RpcException ex)
        {
            await Console.Error.WriteLineAsync($"engine: {ex.StatusCode}: {ex.Status.Detail}");
            return 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidProtocolBufferException or IOException or InvalidJsonException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
    }
}
