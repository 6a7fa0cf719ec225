namespace Pwmk.Server.Api;

/// <summary>
/// Admission of belief queries: at most <c>slots</c> run at once, at most <c>queueLimit</c> more wait for a slot (in
/// arrival order, each no longer than its own deadline), the rest are turned away at once. A query that finds a free
/// slot takes it without allocating.
/// </summary>
internal sealed class QueryAdmission(int slots, int queueLimit)
{
    private readonly SemaphoreSlim _slots = new(slots, slots);
    private int _inside;   // running + waiting

    /// <summary>Queries running now.</summary>
    public int Running => slots - _slots.CurrentCount;

    /// <summary>Queries waiting for a slot now.</summary>
    public int Waiting => Math.Max(0, Volatile.Read(ref _inside) - Running);

    public int Slots => slots;

    /// <summary>Takes a slot: Admitted (call <see cref="Leave"/> after), QueueFull, or TimedOut (waited <paramref name="wait"/> in the queue).</summary>
    public async ValueTask<Admission> EnterAsync(TimeSpan wait, CancellationToken cancel)
    {
        if (Interlocked.Increment(ref _inside) > slots + queueLimit)
        {
            Interlocked.Decrement(ref _inside);
            return Admission.QueueFull;
        }
        bool entered;
        try
        {
            entered = _slots.Wait(0) || await _slots.WaitAsync(wait, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            entered = false;
        }
        if (!entered)
        {
            Interlocked.Decrement(ref _inside);
            return Admission.TimedOut;
        }
        return Admission.Admitted;
    }

    public void Leave()
    {
        _slots.Release();
        Interlocked.Decrement(ref _inside);
    }
}

/// <summary>What <see cref="QueryAdmission.EnterAsync"/> decided.</summary>
internal enum Admission { Admitted, QueueFull, TimedOut }
