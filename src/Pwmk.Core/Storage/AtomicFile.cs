using System.Runtime.InteropServices;

namespace Pwmk.Core.Storage;

/// <summary>
/// The one way PWMK replaces a file: the content goes to a temporary file in the same folder (<c>.NAME.xxxxxxxx.tmp</c>),
/// which is flushed to disk, renamed over the final name, and then the folder is flushed too (POSIX). Readers, and a
/// restart after a crash or power loss, see either the old file or the whole new one, never a half-written one.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with what <paramref name="write"/> puts in the stream.</summary>
    /// <exception cref="IOException">when the folder cannot be written; the temporary file is removed and the old file kept.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        SyncDirectory(dir);
    }

    /// <summary>Deletes a file if it can; a file that cannot be deleted is left (best effort, no exception).</summary>
    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Makes renames, creations and deletions in <paramref name="dir"/> durable (fsync of the folder; POSIX only, best effort).</summary>
    public static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = NativeMethods.open(dir, 0);
        if (fd < 0) return;
        try { _ = NativeMethods.fsync(fd); }
        finally { _ = NativeMethods.close(fd); }
    }

    // .NET cannot open a folder as a file handle, so the folder's fsync goes to libc
    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int close(int fd);
    }
}
