using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;
using Pwmk.Observability.Metrics;

namespace Pwmk.Observability.Tracing;

/// <summary>
/// A batching span processor like OpenTelemetry's, that counts what it loses: a finished span is queued (bounded by
/// <c>maxQueueSize</c>; when full the span is dropped and counted as <c>queue_full</c>, never blocking the caller), and
/// a background thread hands batches of up to <c>maxBatchSize</c> to the exporter every <c>delay</c> (or sooner when a
/// batch is ready); a batch the exporter fails or throws on is counted as <c>export_failed</c>.
/// </summary>
internal sealed class CountingSpanExportProcessor : BaseExportProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _queue = new();
    private readonly SpanExportCounters _counters;
    private readonly int _maxQueue, _maxBatch;
    private readonly TimeSpan _delay;
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _worker;
    private readonly object _passLock = new();
    private long _passes;
    private int _count;
    private volatile bool _stopping;

    public CountingSpanExportProcessor(BaseExporter<Activity> exporter, SpanExportCounters counters, int maxQueueSize = 2048,
        int maxBatchSize = 512, TimeSpan? delay = null) : base(exporter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueueSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _counters = counters;
        _maxQueue = maxQueueSize;
        _maxBatch = Math.Min(maxBatchSize, maxQueueSize);
        _delay = delay ?? TimeSpan.FromSeconds(5);
        _worker = new Thread(Run) { IsBackground = true, Name = "pwmk-span-export" };
        _worker.Start();
    }

    /// <summary>Spans waiting for the exporter.</summary>
    public int Queued => Volatile.Read(ref _count);

    public override void OnEnd(Activity data)
    {
        if (data.Recorded) OnExport(data);
    }

    protected override void OnExport(Activity data)
    {
        if (_stopping)
        {
            _counters.LostAtShutdown();
            return;
        }
        if (Interlocked.Increment(ref _count) > _maxQueue)
        {
            Interlocked.Decrement(ref _count);
            _counters.QueueFull();
            return;
        }
        _queue.Enqueue(data);
        if (Volatile.Read(ref _count) >= _maxBatch) _wake.Set();
    }

    private void Run()
    {
        var batch = new Activity[_maxBatch];
        while (true)
        {
            _wake.WaitOne(_delay);
            bool stopping = _stopping;
            while (true)
            {
                int n = 0;
                while (n < batch.Length && _queue.TryDequeue(out var a)) batch[n++] = a;
                if (n == 0) break;
                Interlocked.Add(ref _count, -n);
                Export(batch, n);
                Array.Clear(batch, 0, n);
            }
            lock (_passLock)
            {
                _passes++;
                Monitor.PulseAll(_passLock);
            }
            if (stopping) return;
        }
    }

    private void Export(Activity[] items, int n)
    {
        try
        {
            if (exporter.Export(new Batch<Activity>(items, n)) == ExportResult.Success) _counters.Exported(n);
            else _counters.ExportFailed(n);
        }
#pragma warning disable CA1031 // an exporter fault must never take the export thread down
        catch (Exception)
#pragma warning restore CA1031
        {
            _counters.ExportFailed(n);
        }
    }

    /// <summary>Waits for one whole export pass that started after the call (the queue drained), within the timeout.</summary>
    private bool WaitForPass(int timeoutMilliseconds)
    {
        var sw = Stopwatch.StartNew();
        lock (_passLock)
        {
            long target = _passes + 2;
            _wake.Set();
            while (_passes < target && _worker.IsAlive)
            {
                int left = Remaining(timeoutMilliseconds, sw);
                if (left == 0) return false;
                Monitor.Wait(_passLock, left);
            }
        }
        return true;
    }

    private static int Remaining(int timeoutMilliseconds, Stopwatch sw) =>
        timeoutMilliseconds == Timeout.Infinite ? Timeout.Infinite : Math.Max(0, timeoutMilliseconds - (int)sw.ElapsedMilliseconds);

    protected override bool OnForceFlush(int timeoutMilliseconds)
    {
        var sw = Stopwatch.StartNew();
        return WaitForPass(timeoutMilliseconds) && exporter.ForceFlush(Remaining(timeoutMilliseconds, sw));
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        var sw = Stopwatch.StartNew();
        _stopping = true;
        _wake.Set();
        bool drained = _worker.Join(Remaining(timeoutMilliseconds, sw));
        // spans still queued when the time is up are lost: count them
        while (_queue.TryDequeue(out _)) _counters.LostAtShutdown();
        return exporter.Shutdown(Remaining(timeoutMilliseconds, sw)) && drained;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping = true;
            _wake.Set();
            _worker.Join(TimeSpan.FromSeconds(1));
            if (!_worker.IsAlive) _wake.Dispose();
        }
        base.Dispose(disposing);
    }
}
