namespace Pwmk.Cluster.Simulation;

/// <summary>One point of a live chart: when (Unix ms), and the value.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.metric-point")]
public readonly record struct MetricPoint([property: Id(0)] long T, [property: Id(1)] double V);

/// <summary>A bounded, thread-safe history of recent values of one series (oldest dropped first), on <paramref name="time"/>'s clock.</summary>
public sealed class MetricHistory(int capacity = 300, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private readonly Queue<MetricPoint> _points = new();
    private readonly Lock _lock = new();

    private long _lastSample;   // timestamp of the last sampled value, 0 before the first

    /// <summary>Least time between two values <see cref="AddSampled"/> keeps.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Adds <paramref name="value"/> unless one was added less than 100 ms ago (hot paths: one lock per 100 ms, not per call).</summary>
    public void AddSampled(double value)
    {
        long now = _time.GetTimestamp(), last = Volatile.Read(ref _lastSample);
        if ((last != 0 && _time.GetElapsedTime(last, now) < SampleInterval) || Interlocked.CompareExchange(ref _lastSample, now, last) != last) return;
        Add(value);
    }

    /// <summary>Adds <paramref name="value"/> now.</summary>
    public void Add(double value)
    {
        var p = new MetricPoint(_time.GetUtcNow().ToUnixTimeMilliseconds(), value);
        lock (_lock)
        {
            _points.Enqueue(p);
            while (_points.Count > capacity) _points.Dequeue();
        }
    }

    /// <summary>Replaces the history with saved points (the newest <c>capacity</c> of them).</summary>
    public void Restore(IEnumerable<MetricPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        lock (_lock)
        {
            _points.Clear();
            foreach (var p in points) _points.Enqueue(p);
            while (_points.Count > capacity) _points.Dequeue();
        }
    }

    /// <summary>The points now, oldest first.</summary>
    public MetricPoint[] Snapshot()
    {
        lock (_lock) return [.. _points];
    }

    /// <summary>Points kept.</summary>
    public int Count
    {
        get { lock (_lock) return _points.Count; }
    }
}
