namespace Pwmk.Logic.Solving;

/// <summary>
/// Idle read-only machines of one database, handed out to queries that run side by side. A rented machine belongs to
/// one query at a time.
/// <para>
/// Each thread keeps the last machine it gave back (<see cref="Kept"/>) and takes it again on its next query of the
/// same pool without any atomic operation, so a thread's machine (its registers, heap and view slot) stays in the
/// cache of the core that runs it and the threads write no line in common. Measured with the lock-free pin
/// (<see cref="ViewRegistry.Pin"/>): two reader threads 1.85x one thread's point queries against 1.71x, median of 4
/// interleaved pairs (docs/PERFORMANCE.md, issue 17).
/// Only when a thread has none of this pool (first query, or a nested one, or it last used another engine) does it
/// go to the shared slots: taken and given back with one atomic exchange each, starting from a place that depends on
/// the thread. When every slot is empty a new machine is made; when every slot is full a returned machine is dropped
/// (its memory goes back to the budget). Slots are <see cref="Stride"/> references apart, so two cores renting and
/// returning never write the same cache line.
/// </para>
/// </summary>
internal sealed class MachinePool(Database db, int slots)
{
    /// <summary>References between two slots (128 bytes: a cache line pair).</summary>
    private const int Stride = 16;

    private readonly int _slots = Math.Max(2, slots);
    private readonly Machine?[] _idle = new Machine?[Math.Max(2, slots) * Stride];

    /// <summary>The machine this thread gave back last, and its pool (one per thread, whichever engine it was).</summary>
    [ThreadStatic] private static Kept? t_kept;

    /// <summary>Heap size (cells) below which machines never collect (tests lower it).</summary>
    public int GcFloor = Machine.DefaultGcFloor;

    public Machine Rent()
    {
        if (t_kept is { Machine: { } mine } kept && ReferenceEquals(kept.Pool, this))
        {
            kept.Machine = null;
            mine.GcFloor = GcFloor;
            return mine;
        }
        var idle = _idle;
        int n = _slots, start = Environment.CurrentManagedThreadId % n;
        for (int i = 0; i < n; i++)
        {
            int k = start + i;
            if (k >= n) k -= n;
            k *= Stride;
            if (idle[k] is not null && Interlocked.Exchange(ref idle[k], null) is { } m)
            {
                m.GcFloor = GcFloor;
                return m;
            }
        }
        return new Machine(db, readOnly: true) { GcFloor = GcFloor };
    }

    public void Return(Machine m)
    {
        var kept = t_kept ??= new Kept();
        if (kept.Machine is not { } other)
        {
            kept.Pool = this;
            kept.Machine = m;
            return;
        }
        if (!ReferenceEquals(kept.Pool, this))
        {
            // this thread now queries this pool's engine: it keeps this machine, the other goes back to its own pool
            var otherPool = kept.Pool!;
            kept.Pool = this;
            kept.Machine = m;
            otherPool.ReturnShared(other);
            return;
        }
        ReturnShared(m);
    }

    private void ReturnShared(Machine m)
    {
        var idle = _idle;
        int n = _slots, start = Environment.CurrentManagedThreadId % n;
        for (int i = 0; i < n; i++)
        {
            int k = start + i;
            if (k >= n) k -= n;
            k *= Stride;
            if (idle[k] is null && Interlocked.CompareExchange(ref idle[k], m, null) is null) return;
        }
        m.Discard();
    }

    /// <summary>
    /// A thread's kept machine. When the thread ends, this becomes garbage and its finalizer drops the machine: its
    /// memory goes back to the budget and its view slot to the registry (no thread that ended holds either).
    /// </summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private sealed class Kept
    {
        [System.Runtime.InteropServices.FieldOffset(64)] public MachinePool? Pool;
        [System.Runtime.InteropServices.FieldOffset(72)] public Machine? Machine;

        ~Kept() => Machine?.Discard();
    }
}
