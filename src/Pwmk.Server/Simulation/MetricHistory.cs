using Pwmk.Server.Persistence;

namespace Pwmk.Server.Simulation;

/// <summary>A bounded, thread-safe history of recent values of one series (oldest dropped first).</summary>
internal sealed class MetricHistory(int capacity = 300)
{
    private readonly Queue<MetricPoint> _points = new();
    private readonly Lock _lock = new();

    private long _lastSample;

    /// <summary>Adds <paramref name="value"/> unless one was added less than 100 ms ago (hot paths: one lock per 100 ms, not per call).</summary>
    public void AddSampled(double value)
    {
        long now = Environment.TickCount64, last = Volatile.Read(ref _lastSample);
        if (now - last < 100 || Interlocked.CompareExchange(ref _lastSample, now, last) != last) return;
        Add(value);
    }

    public void Add(double value)
    {
        var p = new MetricPoint(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), value);
        lock (_lock)
        {
            _points.Enqueue(p);
            while (_points.Count > capacity) _points.Dequeue();
        }
    }

    /// <summary>Replaces the history with saved points (the newest <c>capacity</c> of them).</summary>
    public void Restore(IEnumerable<MetricPoint> points)
    {
        lock (_lock)
        {
            _points.Clear();
            foreach (var p in points) _points.Enqueue(p);
            while (_points.Count > capacity) _points.Dequeue();
        }
    }

    public MetricPoint[] Snapshot()
    {
        lock (_lock) return [.. _points];
    }

    public int Count
    {
        get { lock (_lock) return _points.Count; }
    }
}
