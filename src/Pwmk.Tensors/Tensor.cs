namespace Pwmk.Tensors;

/// <summary>
/// A dense float32 tensor in row-major order that records the operations producing it,
/// so that <see cref="Backward"/> can compute gradients (reverse-mode automatic differentiation).
/// </summary>
public sealed class Tensor
{
    [ThreadStatic] private static int noGradDepth;

    private float[]? grad;

    /// <summary>The values, row-major.</summary>
    public float[] Data { get; }

    /// <summary>The size of every dimension.</summary>
    public int[] Shape { get; }

    /// <summary>The number of values.</summary>
    public int Length => Data.Length;

    /// <summary>Whether gradients flow to (and are kept for) this tensor.</summary>
    public bool RequiresGrad { get; internal set; }

    /// <summary>An optional name (parameters carry their checkpoint name).</summary>
    public string? Name { get; set; }

    internal Tensor[] Parents { get; private set; } = [];

    internal Action<Tensor>? BackwardFn { get; private set; }

    /// <summary>Creates a tensor over <paramref name="data"/> (not copied).</summary>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension {d} in shape [{string.Join(", ", shape)}]", nameof(shape));
            }
            n *= d;
        }
        if (n != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {n} values but {data.Length} were given", nameof(shape));
        }
        Data = data;
        Shape = (int[])shape.Clone();
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[Count(shape)], shape);

    /// <summary>A trainable parameter of zeros.</summary>
    public static Tensor Parameter(string name, params int[] shape) =>
        new(new float[Count(shape)], shape) { RequiresGrad = true, Name = name };

    /// <summary>The gradient of the last <see cref="Backward"/> with respect to this tensor, or null.</summary>
    public float[]? Grad => grad;

    internal float[] EnsureGrad() => grad ??= BackwardFn is null ? new float[Data.Length] : TensorArena.Rent(Data.Length);

    /// <summary>
    /// The gradient buffer for an operation about to add its contribution. When <paramref name="fresh"/> comes back true
    /// this is the first contribution to an intermediate's gradient and the buffer holds garbage: the caller must write
    /// every value instead of adding (saves zeroing buffers that are about to be overwritten).
    /// </summary>
    internal float[] GradForOverwrite(out bool fresh)
    {
        fresh = grad is null && BackwardFn is not null;
        return fresh ? grad = TensorArena.RentForOverwrite(Data.Length) : EnsureGrad();
    }

    /// <summary>Clears the gradient.</summary>
    public void ZeroGrad()
    {
        if (grad is not null)
        {
            Array.Clear(grad);
        }
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Size of the last dimension (1 for a scalar).</summary>
    internal int LastDim => Shape.Length == 0 ? 1 : Shape[^1];

    /// <summary>Product of every dimension but the last.</summary>
    internal int Rows => Shape.Length == 0 ? 1 : Data.Length / Math.Max(1, Shape[^1]);

    /// <summary>While the returned scope is alive, operations on this thread record no graph (inference).</summary>
    public static IDisposable NoGrad()
    {
        noGradDepth++;
        return new NoGradScope();
    }

    internal static bool GradEnabled => noGradDepth == 0;

    private sealed class NoGradScope : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                noGradDepth--;
            }
        }
    }

    internal static int Count(int[] shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension {d}");
            }
            n *= d;
        }
        if (n > Array.MaxLength)
        {
            throw new ArgumentException($"tensor of shape [{string.Join(", ", shape)}] is too large");
        }
        return (int)n;
    }

    /// <summary>Makes <paramref name="result"/> a node of the graph when a parent needs gradients.</summary>
    internal static Tensor Record(Tensor result, Action<Tensor> backward, params Tensor[] parents)
    {
        if (!GradEnabled)
        {
            return result;
        }
        foreach (var p in parents)
        {
            if (p.RequiresGrad)
            {
                result.RequiresGrad = true;
                result.Parents = parents;
                result.BackwardFn = backward;
                return result;
            }
        }
        return result;
    }

    /// <summary>
    /// Back-propagates from this scalar: accumulates d(this)/d(x) into the gradient of every tensor x it depends on.
    /// Iterative (no recursion proportional to graph depth).
    /// </summary>
    public void Backward()
    {
        if (Data.Length != 1)
        {
            throw new InvalidOperationException($"Backward needs a scalar, this tensor has shape [{string.Join(", ", Shape)}]");
        }
        if (!RequiresGrad)
        {
            throw new InvalidOperationException("Backward on a tensor that does not depend on any parameter");
        }
        var order = TopologicalOrder();
        EnsureGrad()[0] += 1f;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (node.BackwardFn is not null && node.grad is not null)
            {
                node.BackwardFn(node);
            }
        }
        // Free the graph: intermediate nodes no longer hold their parents or gradients.
        foreach (var node in order)
        {
            if (node.BackwardFn is not null)
            {
                node.BackwardFn = null;
                node.Parents = [];
                node.grad = null;
            }
        }
    }

    private List<Tensor> TopologicalOrder()
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Node, int Next)>();
        stack.Push((this, 0));
        visited.Add(this);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Parents.Length)
            {
                stack.Push((node, next + 1));
                var parent = node.Parents[next];
                if (parent.RequiresGrad && visited.Add(parent))
                {
                    stack.Push((parent, 0));
                }
            }
            else
            {
                order.Add(node);
            }
        }
        return order;
    }

    /// <summary>Shape as text, e.g. <c>[2, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <inheritdoc />
    public override string ToString() => $"Tensor{ShapeText}";
}
