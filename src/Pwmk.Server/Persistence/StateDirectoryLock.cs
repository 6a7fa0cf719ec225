namespace Pwmk.Server.Persistence;

/// <summary>
/// Exclusive hold on a state directory: the file <c>LOCK</c> inside it, opened with <see cref="FileShare.None"/>
/// (an advisory <c>flock</c> on Linux and macOS, a sharing lock on Windows) and kept open for the server's lifetime. The
/// operating system releases it when the process ends, even on SIGKILL. The file holds the owner's process id, for people.
/// </summary>
internal sealed class StateDirectoryLock : IDisposable
{
    public const string FileName = "LOCK";
    private readonly FileStream _file;

    private StateDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock; throws <see cref="StateDirectoryInUseException"/> with a message for the operator when another process holds it.</summary>
    public static StateDirectoryLock Acquire(string dir)
    {
        string path = Path.Combine(dir, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (!IsNotWritable(e) && e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            string owner = "";
            try { owner = File.ReadAllText(path).Trim(); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw new StateDirectoryInUseException(
                $"the state directory {dir} is in use by another PWMK server{(owner.Length > 0 ? " (process " + owner + ")" : "")}: " +
                "stop that server or choose another --state-dir", e);
        }
        try
        {
            file.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            file.Write(pid);
            file.Flush();
        }
        catch (IOException)
        {
            // the pid is informative only
        }
        return new StateDirectoryLock(file);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>
    /// Whether <paramref name="e"/> says the directory cannot be written (no permission, read-only file system, no space),
    /// as opposed to in use. .NET on Unix carries the errno as the HResult of an <see cref="IOException"/>.
    /// </summary>
    public static bool IsNotWritable(Exception e) =>
        e is UnauthorizedAccessException || (e is IOException && e is not StateDirectoryInUseException && e.HResult is ReadOnlyFileSystem or NoSpace or QuotaExceeded);

    private const int NoSpace = 28, ReadOnlyFileSystem = 30, QuotaExceeded = 122;
}

/// <summary>Another process holds the state directory's lock.</summary>
internal sealed class StateDirectoryInUseException(string message, Exception inner) : IOException(message, inner);
