namespace Pwmk.Logic.Solving;

/// <summary>
/// Idle read-only machines of one database, handed out to queries that run side by side. A rented machine belongs to
/// one query at a time; slots are taken and given back with one atomic exchange each, starting from a place that
/// depends on the thread, so concurrent queries rarely meet on a slot. When every slot is empty a new machine is made;
/// when every slot is full a returned machine is dropped (its memory goes back to the budget). Slots are
/// <see cref="Stride"/> references apart, so two cores renting and returning never write the same cache line.
/// </summary>
internal sealed class MachinePool(Database db, int slots)
{
    /// <summary>References between two slots (128 bytes: a cache line pair).</summary>
    private const int Stride = 16;

    private readonly int _slots = Math.Max(2, slots);
    private readonly Machine?[] _idle = new Machine?[Math.Max(2, slots) * Stride];

    /// <summary>Heap size (cells) below which machines never collect (tests lower it).</summary>
    public int GcFloor = Machine.DefaultGcFloor;

    public Machine Rent()
    {
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
}
