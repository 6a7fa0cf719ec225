namespace Pwmk.Tensors;

/// <summary>
/// Recycles the buffers of intermediate tensors. Inside a scope (<see cref="Begin"/>), operations take their output,
/// scratch and gradient buffers from a per-thread pool; disposing the scope returns them all. Activations of a
/// transformer batch are often above the 85 KB large-object threshold, and without recycling every training step
/// would trigger a full (gen 2) collection. Tensors produced inside a scope must not be read after it ends.
/// </summary>
public sealed class TensorArena : IDisposable
{
    private const int MinPooledLength = 256;
    private const long MaxPooledFloats = 64L << 20; // 256 MB per thread

    [ThreadStatic] private static TensorArena? current;
    [ThreadStatic] private static Dictionary<int, Stack<float[]>>? pool;
    [ThreadStatic] private static long pooledFloats;

    private readonly List<float[]> rented = [];
    private readonly TensorArena? previous;
    private bool disposed;

    private TensorArena(TensorArena? previous) => this.previous = previous;

    /// <summary>Starts a scope on this thread (scopes nest).</summary>
    public static TensorArena Begin() => current = new TensorArena(current);

    /// <summary>A zeroed buffer of <paramref name="length"/> floats, pooled when a scope is active.</summary>
    public static float[] Rent(int length) => Take(length, zeroed: true);

    /// <summary>A buffer of <paramref name="length"/> floats with arbitrary contents, for a caller that writes every value.</summary>
    internal static float[] RentForOverwrite(int length) => Take(length, zeroed: false);

    private static float[] Take(int length, bool zeroed)
    {
        var arena = current;
        if (arena is null || length < MinPooledLength)
        {
            return zeroed ? new float[length] : GC.AllocateUninitializedArray<float>(length);
        }
        float[] buffer;
        if (pool is not null && pool.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            buffer = stack.Pop();
            pooledFloats -= length;
            if (zeroed)
            {
                Array.Clear(buffer);
            }
        }
        else
        {
            buffer = zeroed ? new float[length] : GC.AllocateUninitializedArray<float>(length);
        }
        arena.rented.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        pool ??= [];
        foreach (var buffer in rented)
        {
            if (pooledFloats + buffer.Length > MaxPooledFloats)
            {
                break;
            }
            if (!pool.TryGetValue(buffer.Length, out var stack))
            {
                pool[buffer.Length] = stack = new Stack<float[]>();
            }
            stack.Push(buffer);
            pooledFloats += buffer.Length;
        }
        rented.Clear();
        current = previous;
    }
}
