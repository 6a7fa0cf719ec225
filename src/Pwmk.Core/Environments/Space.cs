namespace Pwmk.Core.Environments;

/// <summary>An observation or action space, as in Gymnasium/PettingZoo.</summary>
public abstract class Space
{
    /// <summary>Element type name (<c>int64</c>, <c>float32</c>).</summary>
    public abstract string DType { get; }
}

/// <summary>The integers 0..N-1.</summary>
public sealed class DiscreteSpace(int n) : Space
{
    public int N { get; } = n > 0 ? n : throw new ArgumentOutOfRangeException(nameof(n), n, "a discrete space needs at least one element");
    public override string DType => "int64";
    public bool Contains(int x) => x >= 0 && x < N;
    public int Sample(Random rng) => rng.Next(N);
    public override string ToString() => $"Discrete({N})";
}

/// <summary>A box of the given shape with per-element bounds [Low, High].</summary>
public sealed class BoxSpace : Space
{
    public BoxSpace(int[] shape, float low, float high, string dtype = "float32")
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape.Any(d => d <= 0)) throw new ArgumentException("every dimension of a box must be positive", nameof(shape));
        if (low > high) throw new ArgumentException("low must not exceed high", nameof(low));
        Shape = shape;
        Low = low;
        High = high;
        DType = dtype;
        Size = shape.Aggregate(1, (a, b) => checked(a * b));
    }

    public IReadOnlyList<int> Shape { get; }
    public float Low { get; }
    public float High { get; }
    public override string DType { get; }

    /// <summary>Number of elements.</summary>
    public int Size { get; }

    public bool Contains(ReadOnlySpan<float> x)
    {
        if (x.Length != Size) return false;
        foreach (float v in x)
            if (!(v >= Low && v <= High)) return false;
        return true;
    }

    public override string ToString() => $"Box({Low}, {High}, ({string.Join(", ", Shape)}), {DType})";
}
