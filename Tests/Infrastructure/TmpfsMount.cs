using System.Diagnostics;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// A small tmpfs mounted on a temp folder (the tests run as root), so that a test can fill a real file system:
/// SQLite then meets a real ENOSPC. Unmounted and removed on dispose, whatever the test did.
/// </summary>
public sealed class TmpfsMount : IAsyncDisposable
{
    private int _disposed;

    private TmpfsMount(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    public static async Task<TmpfsMount> MountAsync(int megabytes, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("engagement-tmpfs-").FullName;
        try
        {
            await RunAsync("mount", ["-t", "tmpfs", "-o", $"size={megabytes}M,mode=0700", "tmpfs", folder], cancellationToken);
        }
        catch
        {
            Directory.Delete(folder);
            throw;
        }
        return new TmpfsMount(folder);
    }

    /// <summary>
    /// Writes <paramref name="name"/> until the file system refuses another byte (ENOSPC); returns the bytes written.
    /// Larger writes first, then single pages, so that what is left is less than a page.
    /// </summary>
    public long Fill(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        long written = 0;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        foreach (var size in new[] { 1 << 20, 4096 })
        {
            var chunk = new byte[size];
            Random.Shared.NextBytes(chunk);
            try
            {
                while (true)
                {
                    file.Write(chunk);
                    written += size;
                }
            }
            catch (IOException)
            {
                // No space left on device: what fitted of the chunk stays; the position follows the file's length.
                file.Position = written = file.Length;
            }
        }
        return written;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // Lazy: a process the test started may still hold a file there; the mount goes as soon as it lets go.
        await RunAsync("umount", ["-l", Path], CancellationToken.None);
        EngineHost.TryDelete(Path);
    }

    private static async Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
        }
    }
}
