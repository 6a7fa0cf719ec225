using System.Numerics.Tensors;

namespace Pwmk.Tensors;

public static partial class Ops
{
    // ---------------- shape: concatenation, slices, reshapes, masks ----------------

    /// <summary>Concatenation along the last dimension (all other dimensions equal).</summary>
    public static Tensor Concat(params Tensor[] parts)
    {
        if (parts.Length == 0)
        {
            throw new ArgumentException("Concat: nothing to concatenate");
        }
        int rows = parts[0].Rows, total = 0;
        foreach (var p in parts)
        {
            if (p.Rows != rows || p.Rank != parts[0].Rank)
            {
                throw new ArgumentException($"Concat: {p.ShapeText} does not match {parts[0].ShapeText} outside the last dimension");
            }
            total += p.LastDim;
        }
        var y = new Tensor(TensorArena.RentForOverwrite(rows * total), WithLast(parts[0].Shape, total));
        int off = 0;
        foreach (var p in parts)
        {
            int w = p.LastDim;
            for (int r = 0; r < rows; r++)
            {
                p.Data.AsSpan(r * w, w).CopyTo(y.Data.AsSpan(r * total + off, w));
            }
            off += w;
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            int o = 0;
            foreach (var p in parts)
            {
                int w = p.LastDim;
                if (p.RequiresGrad)
                {
                    var gp = p.EnsureGrad();
                    for (int r = 0; r < rows; r++)
                    {
                        var dst = gp.AsSpan(r * w, w);
                        TensorPrimitives.Add(dst, g.AsSpan(r * total + o, w), dst);
                    }
                }
                o += w;
            }
        }, parts);
    }

    /// <summary>Columns [start, start+length) of the last dimension.</summary>
    public static Tensor Slice(Tensor x, int start, int length)
    {
        int n = x.LastDim, rows = x.Rows;
        if (start < 0 || length < 0 || start + length > n)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice: [{start}, {start + length}) is outside the last dimension of {x.ShapeText}");
        }
        var y = new Tensor(TensorArena.RentForOverwrite(rows * length), WithLast(x.Shape, length));
        for (int r = 0; r < rows; r++)
        {
            x.Data.AsSpan(r * n + start, length).CopyTo(y.Data.AsSpan(r * length, length));
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gx = x.EnsureGrad();
            for (int r = 0; r < rows; r++)
            {
                var dst = gx.AsSpan(r * n + start, length);
                TensorPrimitives.Add(dst, g.AsSpan(r * length, length), dst);
            }
        }, x);
    }

    /// <summary>Same values, another shape with the same number of values.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        if (Tensor.Count(shape) != x.Length)
        {
            throw new ArgumentException($"Reshape: {x.ShapeText} cannot become [{string.Join(", ", shape)}]");
        }
        var y = new Tensor(x.Data, shape); // shares the values; ops never write their inputs
        return Tensor.Record(y, t => AccumulateGrad(x, t.Grad!), x);
    }

    /// <summary>[a, b, c, d] -> [a, c, b, d] (splits and merges attention heads).</summary>
    public static Tensor SwapAxes12(Tensor x)
    {
        if (x.Rank != 4)
        {
            throw new ArgumentException($"SwapAxes12: needs rank 4, got {x.ShapeText}");
        }
        int a = x.Shape[0], b = x.Shape[1], c = x.Shape[2], d = x.Shape[3];
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), a, c, b, d);
        Permute(x.Data, y.Data, a, b, c, d);
        return Tensor.Record(y, t =>
        {
            var gx = x.GradForOverwrite(out bool fresh);
            if (fresh)
            {
                Permute(t.Grad!, gx, a, c, b, d);
                return;
            }
            var back = TensorArena.RentForOverwrite(x.Length);
            Permute(t.Grad!, back, a, c, b, d);
            TensorPrimitives.Add(gx, back, gx);
        }, x);
    }

    private static void Permute(ReadOnlySpan<float> src, Span<float> dst, int a, int b, int c, int d)
    {
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++)
            {
                for (int k = 0; k < c; k++)
                {
                    src.Slice(((i * b + j) * c + k) * d, d).CopyTo(dst.Slice(((i * c + k) * b + j) * d, d));
                }
            }
        }
    }

    /// <summary>Sets the values where <paramref name="mask"/> is true to <paramref name="value"/> (no gradient there).</summary>
    public static Tensor MaskedFill(Tensor x, bool[] mask, float value)
    {
        if (mask.Length != x.Length)
        {
            throw new ArgumentException($"MaskedFill: mask of {mask.Length} values for {x.ShapeText}");
        }
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        x.Data.CopyTo(y.Data, 0);
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i])
            {
                y.Data[i] = value;
            }
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gx = x.EnsureGrad();
            for (int i = 0; i < g.Length; i++)
            {
                if (!mask[i])
                {
                    gx[i] += g[i];
                }
            }
        }, x);
    }
}
