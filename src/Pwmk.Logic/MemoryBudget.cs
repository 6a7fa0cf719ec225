namespace Pwmk.Logic;

/// <summary>
/// Memory shared by every running query of a process: each query's machine charges what it grows (heap, stacks,
/// findall and table copies, output, atoms of its own) before growing, and a query that would pass the budget stops
/// with <c>resource_error(memory)</c> instead of taking the process down. <see cref="Shared"/> is the default for all
/// engines; by default it holds a quarter of the memory available to the process.
/// </summary>
public sealed class MemoryBudget
{
    private long _capacity;
    private long _used;
    private long _peak;
    private long _largeReleases;

    /// <summary>Creates a budget of <paramref name="capacityBytes"/>.</summary>
    public MemoryBudget(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1L << 20);
        _capacity = capacityBytes;
    }

    /// <summary>The process-wide budget every query uses unless its options name another.</summary>
    public static MemoryBudget Shared { get; } = new(DefaultCapacity());

    /// <summary>A quarter of the memory the process may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: the machine's, or the container's or heap limit's when set), at least 256 MiB.</summary>
    public static long DefaultCapacity() => Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>Bytes all running queries together may hold; can be changed at any time (running queries keep what they hold).</summary>
    public long Capacity
    {
        get => Interlocked.Read(ref _capacity);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1L << 20);
            Interlocked.Exchange(ref _capacity, value);
        }
    }

    /// <summary>Bytes held by queries now.</summary>
    public long InUse => Interlocked.Read(ref _used);

    /// <summary>The most bytes held at once since the budget was made.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Takes <paramref name="bytes"/> from the budget; false (nothing taken) when that would pass the capacity.</summary>
    internal bool TryReserve(long bytes)
    {
        if (bytes <= 0) return true;
        long cap = Capacity;
        while (true)
        {
            long used = Interlocked.Read(ref _used);
            long next = used + bytes;
            if (next > cap) return false;
            if (Interlocked.CompareExchange(ref _used, next, used) != used) continue;
            long peak;
            while (next > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, next, peak) != peak) { }
            return true;
        }
    }

    /// <summary>Gives <paramref name="bytes"/> back.</summary>
    internal void Release(long bytes)
    {
        if (bytes <= 0) return;
        long left = Interlocked.Add(ref _used, -bytes);
        // only once the large queries have ended: a compacting collection while others still hold arrays of gigabytes
        // would move them, and every thread of the process (health probes too) waits while it does
        if (bytes >= LargeRelease && left < LargeRelease) ReturnToSystem();
    }

    /// <summary>A query that gives back at least this much (its arrays are garbage now) makes the runtime return memory to the OS.</summary>
    internal const long LargeRelease = 64L << 20;

    /// <summary>
    /// After a large query the arrays it grew are garbage on the large-object heap; a normal collection would keep their
    /// pages committed. One aggressive collection (compacting, decommitting) on a pool thread gives them back to the
    /// operating system, when no other large query holds memory any more; several large queries ending together share it.
    /// </summary>
    private void ReturnToSystem()
    {
        if (Interlocked.Increment(ref _largeReleases) != 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            do
            {
                Interlocked.Exchange(ref self._largeReleases, 1);
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            while (Interlocked.Decrement(ref self._largeReleases) != 0);
        }, this, preferLocal: false);
    }
}
