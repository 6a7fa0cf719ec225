using Pwmk.Core.Beliefs;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;
using Pwmk.Core.Storage;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Persistence;

internal sealed partial class DurableBeliefStore
{
    // ------------------------------------------------------------------ recovery

    /// <summary>Loads snapshot + journal; <paramref name="readOnly"/>: changes nothing on disk (a torn tail is cut later, when writable).</summary>
    private void Recover(bool readOnly = false)
    {
        string dir = _opt.Directory!;
        var report = new RecoveryReport();
        if (!readOnly)
            foreach (var tmp in System.IO.Directory.EnumerateFiles(dir, "*.tmp")) AtomicFile.TryDelete(tmp);
        var snapshots = ListSnapshots(dir);
        var segments = ListSegments(dir);
        long baseLsn = 0;
        foreach (var (lsn, path) in snapshots)
        {
            string name = Path.GetFileName(path);
            string? text = SnapshotFile.TryRead(path, lsn, out string? error);
            if (text is not null)
            {
                try
                {
                    Store.Consult(text, name);
                }
                catch (BeliefStoreException e)
                {
                    error = "its program does not load: " + e.Message;
                    text = null;
                }
            }
            if (text is not null)
            {
                baseLsn = lsn;
                report.Snapshot = name;
                report.SnapshotLsn = lsn;
                break;
            }
            report.RejectedSnapshots++;
            report.Problems.Add($"snapshot {name} is damaged ({error}); set aside as {name}.corrupt, using an older one");
            try { if (!readOnly) File.Move(path, path + ".corrupt", overwrite: true); }
            catch (IOException) { }
        }
        if (report.Snapshot is null && snapshots.Count > 0 && (segments.Count == 0 || segments[0].FirstLsn > 1))
            report.Problems.Add("no snapshot could be loaded and the journal does not start at LSN 1: changes before the journal are lost");
        if (snapshots.Count == 0 && segments.Count == 0)
        {
            string legacy = Path.Combine(dir, "beliefs.pl");
            if (File.Exists(legacy))
            {
                try
                {
                    Store.ConsultFile(legacy);
                    report.ImportedLegacy = true;
                }
                catch (BeliefStoreException e)
                {
                    report.Problems.Add($"could not import {legacy}: {e.Message}");
                }
            }
        }
        long expected = baseLsn + 1;
        for (int i = 0; i < segments.Count; i++)
        {
            var (first, path) = segments[i];
            bool last = i == segments.Count - 1;
            string name = Path.GetFileName(path);
            if (!last && segments[i + 1].FirstLsn <= expected) continue; // every record is in the snapshot
            string? stop = null;
            long good;
            using (var reader = new JournalReader(path))
            {
                if (reader.Error is null && reader.FirstLsn != first)
                    stop = $"journal segment {name} says it starts at LSN {reader.FirstLsn}";
                while (stop is null && reader.TryRead(out var rec))
                {
                    if (rec.Lsn < expected) continue;
                    if (rec.Lsn > expected)
                    {
                        stop = $"journal segment {name}: records {expected}..{rec.Lsn - 1} are missing";
                        break;
                    }
                    ReplayOne(rec, report);
                    expected++;
                }
                good = reader.GoodLength;
                if (stop is null && reader.Error is not null)
                    stop = $"journal segment {name}: {reader.Error}";
            }
            if (stop is null) continue;
            long length = new FileInfo(path).Length;
            if (last)
            {
                report.Problems.Add(stop + $"; torn or damaged tail: truncated from {length} to {good} bytes (the last whole record)");
                report.TruncatedBytes += length - good;
                if (readOnly) _deferredTruncations.Add((path, good));
                else TruncateOrRemove(path, good);
            }
            else
            {
                report.Problems.Add(stop + $"; the journal is damaged before its end: replay stops at LSN {expected - 1}, this segment is truncated and later segments are set aside as *.corrupt");
                report.TruncatedBytes += length - good;
                if (readOnly)
                {
                    _deferredTruncations.Add((path, good));
                    for (int j = i + 1; j < segments.Count; j++) _deferredTruncations.Add((segments[j].Path, -1));
                    break;
                }
                TruncateOrRemove(path, good);
                for (int j = i + 1; j < segments.Count; j++)
                {
                    try { File.Move(segments[j].Path, segments[j].Path + ".corrupt", overwrite: true); }
                    catch (IOException) { }
                }
            }
            break;
        }
        _nextLsn = expected;
        _lastSnapshotLsn = baseLsn;
        _recordsSinceSnapshot = expected - 1 - baseLsn;
        report.NextLsn = expected;
        Recovery = report;
        foreach (var p in report.Problems) _log.RecoveryProblem(p);
        _log.Recovered(dir, report.ToString());
    }

    private static void TruncateOrRemove(string path, long good)
    {
        if (good < JournalFormat.HeaderSize)
        {
            if (!File.Exists(path)) return;
            File.Move(path, path + ".corrupt", overwrite: true);
            return;
        }
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
        fs.SetLength(good);
        fs.Flush(flushToDisk: true);
    }

    private void ReplayOne(JournalRecord rec, RecoveryReport report)
    {
        report.ReplayedRecords++;
        try
        {
            var term = Term.Parse(rec.Term);
            if (rec.Op == JournalOp.Assert) Store.AssertFact(term);
            else Store.RetractFact(term);
        }
        catch (Exception e) when (e is BeliefStoreException or SyntaxErrorException)
        {
            report.FailedRecords++; // rejected when first applied too: the client got a 400
        }
    }
}
