using Pwmk.Core.Storage;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Persistence;

internal sealed partial class DurableBeliefStore
{
    // ------------------------------------------------------------------ segments and snapshots

    private void OpenSegment(long firstLsn)
    {
        string path = Path.Combine(_opt.Directory!, JournalFormat.SegmentName(firstLsn));
        var fs = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            fs.Write(JournalFormat.Header(firstLsn));
            fs.Flush(flushToDisk: true);
            AtomicFile.SyncDirectory(_opt.Directory!);
        }
        catch
        {
            fs.Dispose();
            AtomicFile.TryDelete(path);
            throw;
        }
        var old = _segment;
        if (old is not null)
        {
            try { old.Flush(flushToDisk: true); }
            catch (IOException e) { _log.JournalFsyncFailed(e.Message); }
            old.Dispose();
        }
        _segment = fs;
        _goodLength = JournalFormat.HeaderSize;
        _unsyncedSince = -1;
    }

    /// <summary>On the commit thread, at a batch boundary: captures the store, starts a new segment, writes the snapshot in the background.</summary>
    private void StartSnapshot()
    {
        long lsn = _nextLsn - 1;
        if (lsn == _lastSnapshotLsn) return;
        string text = Store.ToProgramText();
        try
        {
            OpenSegment(lsn + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.SnapshotPostponed(e.Message);
            _recordsSinceSnapshot = _opt.SnapshotEvery / 2;
            return;
        }
        _recordsSinceSnapshot = 0;
        _snapshotTask = Task.Run(() => WriteSnapshot(lsn, text));
    }

    private void WriteSnapshot(long lsn, string text)
    {
        try
        {
            var path = SnapshotFile.Write(_opt.Directory!, lsn, text);
            _lastSnapshotLsn = lsn;
            _log.SnapshotWritten(path, lsn, text.Length);
            Compact(_opt.Directory!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.SnapshotFailed(lsn, e.Message);
        }
    }

    /// <summary>Keeps the two newest snapshots and the journal segments the older of them needs; deletes the rest.</summary>
    internal static void Compact(string dir)
    {
        var snapshots = ListSnapshots(dir);
        if (snapshots.Count < 2) return;
        foreach (var (_, path) in snapshots.Skip(2)) AtomicFile.TryDelete(path);
        long keepAfter = snapshots[1].Lsn;
        var segments = ListSegments(dir);
        for (int i = 0; i + 1 < segments.Count; i++)
            if (segments[i + 1].FirstLsn - 1 <= keepAfter) AtomicFile.TryDelete(segments[i].Path);
        AtomicFile.SyncDirectory(dir);
    }

    /// <summary>Snapshots, newest first.</summary>
    internal static List<(long Lsn, string Path)> ListSnapshots(string dir)
    {
        var list = new List<(long, string)>();
        foreach (var f in System.IO.Directory.EnumerateFiles(dir, SnapshotFile.Prefix + "*" + SnapshotFile.Extension))
        {
            long lsn = SnapshotFile.ParseName(Path.GetFileName(f));
            if (lsn >= 0) list.Add((lsn, f));
        }
        list.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return list;
    }

    /// <summary>Journal segments, oldest first.</summary>
    internal static List<(long FirstLsn, string Path)> ListSegments(string dir)
    {
        var list = new List<(long, string)>();
        foreach (var f in System.IO.Directory.EnumerateFiles(dir, JournalFormat.Prefix + "*" + JournalFormat.Extension))
        {
            long lsn = JournalFormat.ParseSegmentName(Path.GetFileName(f));
            if (lsn >= 1) list.Add((lsn, f));
        }
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }
}
