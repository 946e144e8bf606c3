using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Retention;

/// <summary>
/// Issue 17, retention: the data folder is the owner's alone from the first write. A real engine process starts on a data folder
/// that does not exist yet, takes events (the journal, the checkpoints, an alert), and every entry of the folder is stat'ed as it
/// runs (the SQLite WAL and shared-memory files exist then) and after it stopped: folders 0700, files 0600.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataFileModeTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_file_and_folder_of_a_fresh_data_folder_is_owner_only()
    {
        var temp = Directory.CreateTempSubdirectory("engagement-modes-").FullName;
        var data = Path.Combine(temp, "data", "engine");
        try
        {
            var grpc = new Uri($"http://127.0.0.1:{Ports.Free()}");
            await using (var engine = await EngineProcess.StartGatewayAsync(
            [
                new("Engagement:DataDirectory", data),
                new("Engagement:Silo:SiloPort", Ports.Free().ToString()),
                new("Engagement:Silo:GatewayPort", Ports.Free().ToString()),
                new("Kestrel:Endpoints:Grpc:Url", grpc.ToString()),
                new("Kestrel:Endpoints:Web:Url", $"http://127.0.0.1:{Ports.Free()}"),
                new("Engagement:Checkpoint:EveryEvents", "1"),
                new("Engagement:Alerts:MinExpectedLoss", "0"),
                new("Engagement:Keys:0:Key", "a-channel-key-long-enough"),
                new("Engagement:Keys:0:Role", "channel"),
                new("Engagement:Keys:1:Key", "an-agent-key-long-enough"),
                new("Engagement:Keys:1:Role", "agent"),
            ]))
            {
                using var client = new EngineClient(grpc);
                var customer = $"modes-{Guid.NewGuid():N}";
                var at = DateTimeOffset.UtcNow.AddDays(-1);
                var ack = await client.Ingest("a-channel-key-long-enough").SubmitAsync(Events.Batch(
                    Events.Purchase(customer, 500, at.AddDays(-30)), Events.Purchase(customer, 700, at),
                    Events.Complaint(customer, ComplaintSeverity.High, at.AddHours(1))), cancellationToken: Ct);
                Assert.Equal(3, ack.Accepted);
                await client.Customers("an-agent-key-long-enough").GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);

                var running = Entries(data);
                Assert.Contains(running, e => e.Path.EndsWith("engagement.db-wal", StringComparison.Ordinal));
                Assert.Contains(running, e => e.Path.EndsWith("grains.db-wal", StringComparison.Ordinal));
                Assert.Contains(running, e => e.Path.EndsWith("-shm", StringComparison.Ordinal));
                AssertOwnerOnly(running);
            }

            AssertOwnerOnly(Entries(data));
            // The folders the engine created on the way to its data folder too.
            Assert.Equal(Folder, System.IO.File.GetUnixFileMode(Path.Combine(temp, "data")));
        }
        finally
        {
            EngineHost.TryDelete(temp);
        }
    }

    private static List<(string Path, UnixFileMode Mode, bool IsFolder)> Entries(string folder) =>
    [
        (folder, System.IO.File.GetUnixFileMode(folder), true),
        .. new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .Select(e => (e.FullName, e.UnixFileMode, e is DirectoryInfo)),
    ];

    private static void AssertOwnerOnly(List<(string Path, UnixFileMode Mode, bool IsFolder)> entries)
    {
        Assert.Contains(entries, e => e.Path.EndsWith("engagement.db", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Path.EndsWith("grains.db", StringComparison.Ordinal));
        foreach (var (path, mode, isFolder) in entries) Assert.Equal((path, isFolder ? Folder : File), (path, mode));
    }
}
