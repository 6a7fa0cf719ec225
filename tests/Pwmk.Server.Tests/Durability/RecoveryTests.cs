using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;
using Pwmk.Server.Persistence;

namespace Pwmk.Server.Tests.Durability;

/// <summary>Recovery of the durable store in process: replay, torn and corrupted journal tails, a corrupted newest snapshot, the lock, a failing disk.</summary>
public class RecoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-recover-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, true);
        GC.SuppressFinalize(this);
    }

    private DurableBeliefStore Open(int snapshotEvery = 1_000_000, ILogger? log = null) =>
        DurableBeliefStore.Open(new BeliefStore(), new DurabilityOptions { Directory = _dir, SnapshotEvery = snapshotEvery }, log ?? NullLogger.Instance);

    private static BeliefChange Add(string fact) => new(BeliefChangeKind.Assert, Term.Parse(fact));

    private static BeliefChange Del(string fact) => new(BeliefChangeKind.Retract, Term.Parse(fact));

    private static List<string> Facts(BeliefStore store) =>
        [.. store.Query("f(X)").Solutions.Select(s => s["X"].ToString()).Order(StringComparer.Ordinal)];

    private static async Task Write(DurableBeliefStore d, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            var r = await d.CommitOneAsync(Add($"f({i})"));
            Assert.True(r.Changed);
        }
    }

    private static IEnumerable<string> Range(int from, int to) => Enumerable.Range(from, to - from).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal);

    [Fact]
    public async Task AcknowledgedChangesSurviveAnAbandonedStoreInOrder()
    {
        var d = Open();
        await Write(d, 0, 10);
        Assert.False((await d.CommitOneAsync(Add("f(3)"))).Changed);
        Assert.True((await d.CommitOneAsync(Del("f(4)"))).Changed);
        Assert.False((await d.CommitOneAsync(Del("f(4)"))).Changed);
        var batch = await d.CommitAsync([Add("f(20)"), Del("f(20)"), Add("f(21)")], simulation: true);
        Assert.Equal([true, true, true], batch.Select(b => b.Changed));
        string deep = "x";
        for (int i = 0; i < 12; i++) deep = $"believes(a{i},{deep})";
        var bad = await d.CommitOneAsync(Add(deep)); // deeper than the store allows: journaled, rejected, rejected again on replay
        Assert.NotNull(bad.Error);
        d.Abandon();

        using var again = Open();
        Assert.Equal(Range(0, 10).Where(x => x != "4").Append("21").Order(StringComparer.Ordinal), Facts(again.Store));
        Assert.Equal(17, again.Recovery.ReplayedRecords);
        Assert.Equal(1, again.Recovery.FailedRecords);
        Assert.Empty(again.Recovery.Problems);
        Assert.Equal(18, again.Recovery.NextLsn);
    }

    [Fact]
    public async Task ATornOrCorruptedJournalTailIsTruncatedToTheLastWholeRecordAndReported()
    {
        var d = Open();
        await Write(d, 0, 20);
        d.Abandon();
        var segment = DurableBeliefStore.ListSegments(_dir)[^1].Path;
        long length = new FileInfo(segment).Length;
        using (var fs = new FileStream(segment, FileMode.Open)) fs.SetLength(length - 3); // torn in the middle of record 20

        var log = new ListLogger();
        var recovered = Open(log: log);
        Assert.Equal(Range(0, 19), Facts(recovered.Store));
        Assert.True(recovered.Recovery.TruncatedBytes > 0);
        Assert.Contains(recovered.Recovery.Problems, p => p.Contains("torn", StringComparison.Ordinal) && p.Contains("truncated", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("truncated", StringComparison.Ordinal));
        await Write(recovered, 100, 105); // appending after a repaired tail works
        recovered.Abandon();

        // flip one byte inside the payload of the last record of the newest segment
        segment = DurableBeliefStore.ListSegments(_dir)[^1].Path;
        var bytes = File.ReadAllBytes(segment);
        bytes[^2] ^= 0x55;
        File.WriteAllBytes(segment, bytes);
        using var again = Open();
        Assert.Equal(Range(0, 19).Concat(Range(100, 104)).Order(StringComparer.Ordinal), Facts(again.Store));
        Assert.Contains(again.Recovery.Problems, p => p.Contains("CRC-32", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACorruptedNewestSnapshotFallsBackToThePreviousOnePlusTheJournal()
    {
        var d = Open(snapshotEvery: 10);
        await Write(d, 0, 45);
        Assert.True(d.Shutdown(TimeSpan.FromSeconds(10))); // final snapshot at LSN 45
        var snapshots = DurableBeliefStore.ListSnapshots(_dir);
        Assert.Equal(2, snapshots.Count); // compaction keeps two
        Assert.Equal(45, snapshots[0].Lsn);
        Assert.DoesNotContain(DurableBeliefStore.ListSegments(_dir), s => s.FirstLsn == 1); // journal before the older snapshot compacted away

        var bytes = File.ReadAllBytes(snapshots[0].Path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(snapshots[0].Path, bytes);
        // no snapshots after recovery: with the older snapshot's LSN depending on when background snapshots finished,
        // one could otherwise cover the record whose tail is torn below
        var recovered = Open();
        Assert.Equal(Range(0, 45), Facts(recovered.Store));
        Assert.Equal(snapshots[1].Lsn, recovered.Recovery.SnapshotLsn);
        Assert.Equal(1, recovered.Recovery.RejectedSnapshots);
        Assert.Equal(45 - snapshots[1].Lsn, recovered.Recovery.ReplayedRecords);
        Assert.Contains(recovered.Recovery.Problems, p => p.Contains("damaged", StringComparison.Ordinal));
        Assert.True(File.Exists(snapshots[0].Path + ".corrupt"));
        await Write(recovered, 45, 47);
        recovered.Abandon();

        // after a fallback, a torn journal tail is still repaired
        using (var fs = new FileStream(DurableBeliefStore.ListSegments(_dir)[^1].Path, FileMode.Open)) fs.SetLength(fs.Length - 1);
        using var again = Open(snapshotEvery: 10);
        Assert.Equal(Range(0, 46), Facts(again.Store));
    }

    [Fact]
    public void ASecondStoreOnTheSameDirectoryIsRefused()
    {
        using var first = Open();
        var e = Assert.Throws<InvalidOperationException>(() => Open());
        Assert.Contains("in use by another PWMK server", e.Message);
        Assert.Contains(_dir, e.Message);
        first.Shutdown(TimeSpan.FromSeconds(5));
        using var second = Open(); // released on shutdown
    }

    [Fact]
    public async Task AFailingDiskRejectsChangesWithoutApplyingThemAndRecovers()
    {
        var d = Open();
        await Write(d, 0, 3);
        d.InjectWriteFault = () => "No space left on device";
        await Assert.ThrowsAsync<StateUnavailableException>(() => d.CommitOneAsync(Add("f(99)")));
        await Assert.ThrowsAsync<StateUnavailableException>(() => d.CommitAsync([Add("f(98)")], simulation: true));
        Assert.Equal(Range(0, 3), Facts(d.Store)); // nothing applied, reads work
        Assert.Contains("No space left", d.Fault);
        d.InjectWriteFault = null;
        await Write(d, 3, 5);
        Assert.Null(d.Fault);
        d.Abandon();
        using var again = Open();
        Assert.Equal(Range(0, 5), Facts(again.Store));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }
}
