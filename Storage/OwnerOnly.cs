namespace Engagement.Storage;

/// <summary>
/// Files that hold personal data (the data folder, the SQLite databases and their WAL/shared-memory files, the keys
/// file) are the owner's alone: folders 0700, files 0600, from the first write. SQLite gives a database's WAL and
/// shared-memory files the database file's own mode, so creating the database file owner-only covers them; files
/// left by an older version are narrowed when the engine next opens them.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and any missing parent) owner-only, or narrows an existing one to the owner.</summary>
    public static DirectoryInfo Folder(string path)
    {
        if (OperatingSystem.IsWindows()) return Directory.CreateDirectory(path);
        // Directory.CreateDirectory gives its mode to the last folder only; missing parents would get the umask's.
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(parent) && !Directory.Exists(parent)) Folder(parent);
        var folder = Directory.Exists(path) ? new DirectoryInfo(path) : Directory.CreateDirectory(path, FolderMode);
        if ((folder.UnixFileMode & ~FolderMode) != 0) folder.UnixFileMode = FolderMode;
        return folder;
    }

    /// <summary>Creates an empty file owner-only when it is missing, or narrows an existing one to the owner.</summary>
    public static void File(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        if (!System.IO.File.Exists(path))
        {
            try
            {
                using var created = new FileStream(path, new FileStreamOptions
                {
                    Mode = System.IO.FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = FileMode,
                });
                return;
            }
            catch (IOException) when (System.IO.File.Exists(path))
            {
                // Created by someone else in between: narrowed below like any existing file.
            }
        }

        if ((System.IO.File.GetUnixFileMode(path) & ~FileMode) != 0) System.IO.File.SetUnixFileMode(path, FileMode);
    }

    /// <summary>Writes a new file owner-only from its first byte (not written, then narrowed).</summary>
    public static void WriteNewFile(string path, string contents)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.File.WriteAllText(path, contents);
            return;
        }

        using var stream = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }
}
