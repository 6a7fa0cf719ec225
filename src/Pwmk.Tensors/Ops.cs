using System.Numerics.Tensors;

namespace Pwmk.Tensors;

/// <summary>Differentiable operations on <see cref="Tensor"/>; each records its backward step.</summary>
public static partial class Ops
{
    private static void SameShape(Tensor a, Tensor b, string op)
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            throw new ArgumentException($"{op}: shapes {a.ShapeText} and {b.ShapeText} differ");
        }
    }

    private static int[] WithLast(int[] shape, int last)
    {
        var s = (int[])shape.Clone();
        s[^1] = last;
        return s;
    }

    // ---------------- matrix products ----------------

    /// <summary>x[..., k] @ w[k, n] -> [..., n] (x viewed as a matrix of rows).</summary>
    public static Tensor MatMul(Tensor x, Tensor w) => Affine(x, w, null, "MatMul");

    /// <summary>Batched a[B, m, k] @ b[B, k, n] (or b[B, n, k]^T when <paramref name="transposeB"/>) -> [B, m, n].</summary>
    public static Tensor BatchMatMul(Tensor a, Tensor b, bool transposeB = false)
    {
        if (a.Rank != 3 || b.Rank != 3 || a.Shape[0] != b.Shape[0])
        {
            throw new ArgumentException($"BatchMatMul: needs [B,m,k] and [B,k,n], got {a.ShapeText} and {b.ShapeText}");
        }
        int batch = a.Shape[0], m = a.Shape[1], k = a.Shape[2];
        int n = transposeB ? b.Shape[1] : b.Shape[2];
        int kb = transposeB ? b.Shape[2] : b.Shape[1];
        if (kb != k)
        {
            throw new ArgumentException($"BatchMatMul: inner dimensions differ in {a.ShapeText} and {b.ShapeText}{(transposeB ? "^T" : "")}");
        }
        var y = new Tensor(TensorArena.RentForOverwrite(batch * m * n), batch, m, n);
        int sa = m * k, sb = k * n, sy = m * n;
        bool small = (long)m * n * k <= Gemm.SmallWork;
        for (int i = 0; i < batch; i++)
        {
            var ai = a.Data.AsSpan(i * sa, sa);
            var bi = b.Data.AsSpan(i * sb, sb);
            var yi = y.Data.AsSpan(i * sy, sy);
            if (small)
            {
                Gemm.Small(ai, false, bi, transposeB, yi, m, k, n, false);
            }
            else if (transposeB)
            {
                Gemm.NT(ai, bi, yi, m, k, n, false);
            }
            else
            {
                Gemm.NN(ai, bi, yi, m, k, n, false);
            }
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            bool freshA = false, freshB = false;
            var gaAll = a.RequiresGrad ? a.GradForOverwrite(out freshA) : null;
            var gbAll = b.RequiresGrad ? b.GradForOverwrite(out freshB) : null;
            for (int i = 0; i < batch; i++)
            {
                var gi = g.AsSpan(i * sy, sy);
                var ai = a.Data.AsSpan(i * sa, sa);
                var bi = b.Data.AsSpan(i * sb, sb);
                if (gaAll is not null)
                {
                    var ga = gaAll.AsSpan(i * sa, sa);
                    if (small)
                    {
                        Gemm.Small(gi, false, bi, !transposeB, ga, m, n, k, !freshA);
                    }
                    else if (transposeB)
                    {
                        Gemm.NN(gi, bi, ga, m, n, k, !freshA); // dA = dY · B  (B is [n,k])
                    }
                    else
                    {
                        Gemm.NT(gi, bi, ga, m, n, k, !freshA); // dA = dY · Bᵀ
                    }
                }
                if (gbAll is not null)
                {
                    var gb = gbAll.AsSpan(i * sb, sb);
                    if (transposeB)
                    {
                        if (small)
                        {
                            Gemm.Small(gi, true, ai, false, gb, n, m, k, !freshB);
                        }
                        else
                        {
                            Gemm.TN(gi, ai, gb, n, m, k, !freshB); // dB[n,k] = dYᵀ · A
                        }
                    }
                    else if (small)
                    {
                        Gemm.Small(ai, true, gi, false, gb, k, m, n, !freshB);
                    }
                    else
                    {
                        Gemm.TN(ai, gi, gb, k, m, n, !freshB); // dB[k,n] = Aᵀ · dY
                    }
                }
            }
        }, a, b);
    }

    /// <summary>x[..., k] @ w[k, n] + bias[n]: one node, the bias written first and the product added onto it.</summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? bias) => Affine(x, w, bias, "Linear");

    /// <summary>x @ w, plus bias when there is one (written into the output before the product is added onto it).</summary>
    private static Tensor Affine(Tensor x, Tensor w, Tensor? bias, string op)
    {
        if (w.Rank != 2 || x.Rank < 1 || x.LastDim != w.Shape[0])
        {
            throw new ArgumentException($"{op}: cannot multiply {x.ShapeText} by {w.ShapeText}");
        }
        int m = x.Rows, k = w.Shape[0], n = w.Shape[1];
        if (bias is not null && bias.Length != n)
        {
            throw new ArgumentException($"{op}: bias {bias.ShapeText} does not match the {n} outputs of {w.ShapeText}");
        }
        var y = new Tensor(TensorArena.RentForOverwrite(m * n), WithLast(x.Shape, n));
        if (bias is not null)
        {
            for (int r = 0; r < m; r++)
            {
                bias.Data.CopyTo(y.Data, r * n);
            }
        }
        Gemm.NN(x.Data, w.Data, y.Data, m, k, n, accumulate: bias is not null);
        Tensor[] parents = bias is null ? [x, w] : [x, w, bias];
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            if (x.RequiresGrad)
            {
                var gx = x.GradForOverwrite(out bool fresh);
                Gemm.NT(g, w.Data, gx, m, n, k, accumulate: !fresh);
            }
            if (w.RequiresGrad)
            {
                Gemm.TN(x.Data, g, w.EnsureGrad(), k, m, n, accumulate: true);
            }
            if (bias is { RequiresGrad: true })
            {
                AddColumnSums(g, m, n, bias.EnsureGrad());
            }
        }, parents);
    }

    /// <summary>sums[j] += sum over rows r of g[r, j].</summary>
    private static void AddColumnSums(ReadOnlySpan<float> g, int rows, int n, Span<float> sums)
    {
        for (int r = 0; r < rows; r++)
        {
            RowKernels.Add(sums, g.Slice(r * n, n));
        }
    }

    /// <summary>x's gradient += g (or = g when it is the first contribution).</summary>
    private static void AccumulateGrad(Tensor x, float[] g)
    {
        var gx = x.GradForOverwrite(out bool fresh);
        if (fresh)
        {
            g.AsSpan(0, gx.Length).CopyTo(gx);
        }
        else
        {
            TensorPrimitives.Add(gx, g, gx);
        }
    }

    // ---------------- elementwise ----------------

    public static Tensor Add(Tensor a, Tensor b)
    {
        SameShape(a, b, "Add");
        var y = new Tensor(TensorArena.RentForOverwrite(a.Length), a.Shape);
        TensorPrimitives.Add(a.Data, b.Data, y.Data);
        return Tensor.Record(y, t =>
        {
            if (a.RequiresGrad)
            {
                AccumulateGrad(a, t.Grad!);
            }
            if (b.RequiresGrad)
            {
                AccumulateGrad(b, t.Grad!);
            }
        }, a, b);
    }

    public static Tensor Sub(Tensor a, Tensor b)
    {
        SameShape(a, b, "Sub");
        var y = new Tensor(TensorArena.RentForOverwrite(a.Length), a.Shape);
        TensorPrimitives.Subtract(a.Data, b.Data, y.Data);
        return Tensor.Record(y, t =>
        {
            if (a.RequiresGrad)
            {
                TensorPrimitives.Add(a.EnsureGrad(), t.Grad!, a.EnsureGrad());
            }
            if (b.RequiresGrad)
            {
                TensorPrimitives.Subtract(b.EnsureGrad(), t.Grad!, b.EnsureGrad());
            }
        }, a, b);
    }

    public static Tensor Mul(Tensor a, Tensor b)
    {
        SameShape(a, b, "Mul");
        var y = new Tensor(TensorArena.RentForOverwrite(a.Length), a.Shape);
        TensorPrimitives.Multiply(a.Data, b.Data, y.Data);
        return Tensor.Record(y, t =>
        {
            if (a.RequiresGrad)
            {
                TensorPrimitives.MultiplyAdd(t.Grad!, b.Data, a.EnsureGrad(), a.EnsureGrad());
            }
            if (b.RequiresGrad)
            {
                TensorPrimitives.MultiplyAdd(t.Grad!, a.Data, b.EnsureGrad(), b.EnsureGrad());
            }
        }, a, b);
    }

    public static Tensor Scale(Tensor a, float s)
    {
        var y = new Tensor(TensorArena.RentForOverwrite(a.Length), a.Shape);
        TensorPrimitives.Multiply(a.Data, s, y.Data);
        return Tensor.Record(y, t =>
        {
            var ga = a.GradForOverwrite(out bool fresh);
            if (fresh)
            {
                TensorPrimitives.Multiply(t.Grad!, s, ga);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(t.Grad!, s, ga, ga);
            }
        }, a);
    }

    /// <summary>x[..., n] + bias[n] (broadcast over rows).</summary>
    public static Tensor AddBias(Tensor x, Tensor bias)
    {
        int n = x.LastDim;
        if (bias.Length != n)
        {
            throw new ArgumentException($"AddBias: bias {bias.ShapeText} does not match last dimension of {x.ShapeText}");
        }
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        int rows = x.Rows;
        x.Data.CopyTo(y.Data, 0);
        for (int r = 0; r < rows; r++)
        {
            RowKernels.Add(y.Data.AsSpan(r * n, n), bias.Data);
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            if (x.RequiresGrad)
            {
                TensorPrimitives.Add(x.EnsureGrad(), g, x.EnsureGrad());
            }
            if (bias.RequiresGrad)
            {
                AddColumnSums(g, rows, n, bias.EnsureGrad());
            }
        }, x, bias);
    }

    public static Tensor Relu(Tensor x)
    {
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        TensorPrimitives.Max(x.Data, 0f, y.Data);
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gx = x.EnsureGrad();
            for (int i = 0; i < g.Length; i++)
            {
                if (x.Data[i] > 0f)
                {
                    gx[i] += g[i];
                }
            }
        }, x);
    }

    /// <summary>GELU, tanh approximation (PyTorch's <c>approximate='tanh'</c>): 0.5 x (1 + tanh(c (x + a x^3))).</summary>
    public static Tensor Gelu(Tensor x)
    {
        var th = TensorArena.RentForOverwrite(x.Length);
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        RowKernels.Gelu(x.Data, th, y.Data);
        return Tensor.Record(y, t =>
        {
            var gx = x.GradForOverwrite(out bool fresh);
            RowKernels.GeluBackward(x.Data, th, t.Grad!, gx, fresh);
        }, x);
    }

    public static Tensor Tanh(Tensor x)
    {
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        RowKernels.Tanh(x.Data, y.Data);
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gx = x.EnsureGrad();
            for (int i = 0; i < g.Length; i++)
            {
                float v = y.Data[i];
                gx[i] += g[i] * (1f - v * v);
            }
        }, x);
    }

    public static Tensor Sigmoid(Tensor x)
    {
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        TensorPrimitives.Sigmoid(x.Data, y.Data);
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gx = x.EnsureGrad();
            for (int i = 0; i < g.Length; i++)
            {
                float v = y.Data[i];
                gx[i] += g[i] * v * (1f - v);
            }
        }, x);
    }

    /// <summary>Softmax over the last dimension.</summary>
    public static Tensor Softmax(Tensor x)
    {
        int n = x.LastDim, rows = x.Rows;
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.SoftMax(x.Data.AsSpan(r * n, n), y.Data.AsSpan(r * n, n));
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gx = x.EnsureGrad();
            for (int r = 0; r < rows; r++)
            {
                var yr = y.Data.AsSpan(r * n, n);
                var gr = g.AsSpan(r * n, n);
                float dot = TensorPrimitives.Dot(yr, gr);
                var gxr = gx.AsSpan(r * n, n);
                for (int j = 0; j < n; j++)
                {
                    gxr[j] += yr[j] * (gr[j] - dot);
                }
            }
        }, x);
    }

    /// <summary>Layer normalisation over the last dimension with scale <paramref name="gamma"/> and shift <paramref name="beta"/>.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps = 1e-5f)
    {
        int n = x.LastDim, rows = x.Rows;
        if (gamma.Length != n || beta.Length != n)
        {
            throw new ArgumentException($"LayerNorm: gamma/beta must have {n} values for input {x.ShapeText}");
        }
        var xhat = TensorArena.RentForOverwrite(x.Length);
        var invStd = TensorArena.RentForOverwrite(rows);
        var y = new Tensor(TensorArena.RentForOverwrite(x.Length), x.Shape);
        for (int r = 0; r < rows; r++)
        {
            invStd[r] = RowKernels.Normalize(x.Data.AsSpan(r * n, n), eps, gamma.Data, beta.Data, xhat.AsSpan(r * n, n), y.Data.AsSpan(r * n, n));
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gGamma = gamma.RequiresGrad ? gamma.EnsureGrad() : null;
            var gBeta = beta.RequiresGrad ? beta.EnsureGrad() : null;
            bool fresh = false;
            var gx = x.RequiresGrad ? x.GradForOverwrite(out fresh) : null;
            for (int r = 0; r < rows; r++)
            {
                RowKernels.NormalizeBackward(g.AsSpan(r * n, n), xhat.AsSpan(r * n, n), invStd[r], gamma.Data, gGamma, gBeta,
                    gx is null ? default : gx.AsSpan(r * n, n), fresh);
            }
        }, x, gamma, beta);
    }

    /// <summary>Rows of <paramref name="table"/>[V, D] at <paramref name="ids"/> -> [ids.Length, D].</summary>
    public static Tensor Embedding(Tensor table, ReadOnlySpan<int> ids)
    {
        if (table.Rank != 2)
        {
            throw new ArgumentException($"Embedding: table must be [V, D], got {table.ShapeText}");
        }
        int v = table.Shape[0], d = table.Shape[1];
        var idx = ids.ToArray();
        var y = new Tensor(TensorArena.RentForOverwrite(idx.Length * d), idx.Length, d);
        for (int i = 0; i < idx.Length; i++)
        {
            if ((uint)idx[i] >= (uint)v)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"Embedding: id {idx[i]} at position {i} is outside 0..{v - 1}");
            }
            table.Data.AsSpan(idx[i] * d, d).CopyTo(y.Data.AsSpan(i * d, d));
        }
        return Tensor.Record(y, t =>
        {
            var g = t.Grad!;
            var gt = table.EnsureGrad();
            for (int i = 0; i < idx.Length; i++)
            {
                var dst = gt.AsSpan(idx[i] * d, d);
                TensorPrimitives.Add(dst, g.AsSpan(i * d, d), dst);
            }
        }, table);
    }
}
