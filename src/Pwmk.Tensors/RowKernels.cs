using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pwmk.Tensors;

/// <summary>
/// Fused loops over one short row (a token's hidden vector): one pass where a chain of library calls would make
/// several, each paying its call and setup on 64 values. Vector&lt;float&gt; lanes, then a scalar tail; sums are taken
/// lane by lane and then across lanes, a fixed order.
/// </summary>
internal static class RowKernels
{
    private static int Lanes(int length) => Vector.IsHardwareAccelerated ? length - length % Vector<float>.Count : 0;

    private static Span<Vector<float>> V(Span<float> s) => MemoryMarshal.Cast<float, Vector<float>>(s);

    private static ReadOnlySpan<Vector<float>> V(ReadOnlySpan<float> s) => MemoryMarshal.Cast<float, Vector<float>>(s);

    /// <summary>The sum of <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(ReadOnlySpan<float> x)
    {
        int lanes = Lanes(x.Length);
        var acc = Vector<float>.Zero;
        foreach (var v in V(x[..lanes]))
        {
            acc += v;
        }
        float s = Vector.Sum(acc);
        for (int j = lanes; j < x.Length; j++)
        {
            s += x[j];
        }
        return s;
    }

    /// <summary>The dot product of <paramref name="x"/> and <paramref name="y"/> (same length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int lanes = Lanes(x.Length);
        var xv = V(x[..lanes]);
        var yv = V(y[..lanes]);
        var acc = Vector<float>.Zero;
        for (int v = 0; v < xv.Length; v++)
        {
            acc += xv[v] * yv[v];
        }
        float s = Vector.Sum(acc);
        for (int j = lanes; j < x.Length; j++)
        {
            s += x[j] * y[j];
        }
        return s;
    }

    /// <summary>dst += src.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(Span<float> dst, ReadOnlySpan<float> src)
    {
        int lanes = Lanes(dst.Length);
        var dv = V(dst[..lanes]);
        var sv = V(src[..lanes]);
        for (int v = 0; v < dv.Length; v++)
        {
            dv[v] += sv[v];
        }
        for (int j = lanes; j < dst.Length; j++)
        {
            dst[j] += src[j];
        }
    }

    /// <summary>dst += a * src.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<float> dst, float a, ReadOnlySpan<float> src)
    {
        int lanes = Lanes(dst.Length);
        var dv = V(dst[..lanes]);
        var sv = V(src[..lanes]);
        for (int v = 0; v < dv.Length; v++)
        {
            dv[v] += a * sv[v];
        }
        for (int j = lanes; j < dst.Length; j++)
        {
            dst[j] += a * src[j];
        }
    }

    // tanh(x) = x P(x^2) / Q(x^2) on [-9, 9] (Cephes' rational approximation, as Eigen and ONNX Runtime's MLAS use it;
    // within a few units in the last place), saturating outside.
    private const float TanhClamp = 9f;
    private const float TanhA1 = 4.89352455891786e-03f, TanhA3 = 6.37261928875436e-04f, TanhA5 = 1.48572235717979e-05f;
    private const float TanhA7 = 5.12229709037114e-08f, TanhA9 = -8.60467152213735e-11f, TanhA11 = 2.00018790482477e-13f;
    private const float TanhA13 = -2.76076847742355e-16f;
    private const float TanhB0 = 4.89352518554385e-03f, TanhB2 = 2.26843463243900e-03f, TanhB4 = 1.18534705686654e-04f;
    private const float TanhB6 = 1.19825839466702e-06f;

    /// <summary>y = tanh(x), element by element (<paramref name="y"/> may be <paramref name="x"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        int lanes = Lanes(x.Length);
        var xv = V(x[..lanes]);
        var yv = V(y[..lanes]);
        for (int v = 0; v < xv.Length; v++)
        {
            yv[v] = Tanh(xv[v]);
        }
        for (int j = lanes; j < x.Length; j++)
        {
            y[j] = Tanh(x[j]);
        }
    }

    /// <summary>tanh of every lane (Horner steps as fused multiply-adds where the CPU has them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Tanh(Vector<float> x)
    {
        var hi = new Vector<float>(TanhClamp);
        var t = Vector.MinNative(Vector.MaxNative(x, -hi), hi);
        var t2 = t * t;
        var p = Vector.MultiplyAddEstimate(t2, new Vector<float>(TanhA13), new Vector<float>(TanhA11));
        p = Vector.MultiplyAddEstimate(p, t2, new Vector<float>(TanhA9));
        p = Vector.MultiplyAddEstimate(p, t2, new Vector<float>(TanhA7));
        p = Vector.MultiplyAddEstimate(p, t2, new Vector<float>(TanhA5));
        p = Vector.MultiplyAddEstimate(p, t2, new Vector<float>(TanhA3));
        p = Vector.MultiplyAddEstimate(p, t2, new Vector<float>(TanhA1));
        var q = Vector.MultiplyAddEstimate(t2, new Vector<float>(TanhB6), new Vector<float>(TanhB4));
        q = Vector.MultiplyAddEstimate(q, t2, new Vector<float>(TanhB2));
        q = Vector.MultiplyAddEstimate(q, t2, new Vector<float>(TanhB0));
        return p * t / q;
    }

    private const float GeluC = 0.7978845608028654f; // sqrt(2/pi)
    private const float GeluA = 0.044715f;

    /// <summary>
    /// GELU, tanh approximation, in one pass: th = tanh(c (x + a x^3)) (kept for the gradient), y = 0.5 x (1 + th).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gelu(ReadOnlySpan<float> x, Span<float> th, Span<float> y)
    {
        int lanes = Lanes(x.Length);
        var xv = V(x[..lanes]);
        var tv = V(th[..lanes]);
        var yv = V(y[..lanes]);
        int pairs = xv.Length & ~1;
        for (int v = 0; v < pairs; v += 2)
        {
            // two independent chains per step: one long tanh chain at a time leaves the FP units waiting
            var x0 = xv[v];
            var x1 = xv[v + 1];
            var t0 = Tanh(((x0 * x0 * GeluA) + Vector<float>.One) * x0 * GeluC);
            var t1 = Tanh(((x1 * x1 * GeluA) + Vector<float>.One) * x1 * GeluC);
            tv[v] = t0;
            tv[v + 1] = t1;
            yv[v] = (t0 + Vector<float>.One) * x0 * 0.5f;
            yv[v + 1] = (t1 + Vector<float>.One) * x1 * 0.5f;
        }
        for (int v = pairs; v < xv.Length; v++)
        {
            var xi = xv[v];
            var t = Tanh(((xi * xi * GeluA) + Vector<float>.One) * xi * GeluC);
            tv[v] = t;
            yv[v] = (t + Vector<float>.One) * xi * 0.5f;
        }
        for (int j = lanes; j < x.Length; j++)
        {
            float xi = x[j];
            float t = Tanh(((xi * xi * GeluA) + 1f) * xi * GeluC);
            th[j] = t;
            y[j] = (t + 1f) * xi * 0.5f;
        }
    }

    /// <summary>gx (+)= g * d GELU/dx, from x and the th = tanh(...) its forward pass kept (= when <paramref name="overwrite"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> th, ReadOnlySpan<float> g, Span<float> gx, bool overwrite)
    {
        const float ThreeA = 3f * GeluA;
        int lanes = Lanes(x.Length);
        var xv = V(x[..lanes]);
        var tv = V(th[..lanes]);
        var gv = V(g[..lanes]);
        var gxv = V(gx[..lanes]);
        for (int v = 0; v < xv.Length; v++)
        {
            var xi = xv[v];
            var ti = tv[v];
            var d = (0.5f * (Vector<float>.One + ti)) + (0.5f * xi * (Vector<float>.One - (ti * ti)) * GeluC * (Vector<float>.One + (ThreeA * xi * xi)));
            gxv[v] = overwrite ? gv[v] * d : gxv[v] + (gv[v] * d);
        }
        for (int j = lanes; j < x.Length; j++)
        {
            float xi = x[j], ti = th[j];
            float d = (0.5f * (1f + ti)) + (0.5f * xi * (1f - (ti * ti)) * GeluC * (1f + (ThreeA * xi * xi)));
            gx[j] = overwrite ? g[j] * d : gx[j] + (g[j] * d);
        }
    }

    /// <summary>tanh(x) by the same approximation as the vector loop.</summary>
    public static float Tanh(float x)
    {
        float t = Math.Clamp(x, -TanhClamp, TanhClamp), t2 = t * t;
        float p = float.MultiplyAddEstimate(t2, TanhA13, TanhA11);
        p = float.MultiplyAddEstimate(p, t2, TanhA9);
        p = float.MultiplyAddEstimate(p, t2, TanhA7);
        p = float.MultiplyAddEstimate(p, t2, TanhA5);
        p = float.MultiplyAddEstimate(p, t2, TanhA3);
        p = float.MultiplyAddEstimate(p, t2, TanhA1);
        float q = float.MultiplyAddEstimate(t2, TanhB6, TanhB4);
        q = float.MultiplyAddEstimate(q, t2, TanhB2);
        q = float.MultiplyAddEstimate(q, t2, TanhB0);
        return p * t / q;
    }

    /// <summary>
    /// Layer normalisation of one row: xhat = (x - mean) / sqrt(var + eps), y = xhat * gamma + beta; returns 1/sqrt(var + eps).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Normalize(ReadOnlySpan<float> x, float eps, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> xhat, Span<float> y)
    {
        int n = x.Length, lanes = Lanes(n);
        float mean = Sum(x) / n;
        var xv = V(x[..lanes]);
        var hv = V(xhat[..lanes]);
        var sq = Vector<float>.Zero;
        for (int v = 0; v < xv.Length; v++)
        {
            var h = xv[v] - new Vector<float>(mean);
            hv[v] = h;
            sq += h * h;
        }
        float ss = Vector.Sum(sq);
        for (int j = lanes; j < n; j++)
        {
            float h = x[j] - mean;
            xhat[j] = h;
            ss += h * h;
        }
        float inv = 1f / MathF.Sqrt((ss / n) + eps);
        var gv = V(gamma[..lanes]);
        var bv = V(beta[..lanes]);
        var yv = V(y[..lanes]);
        for (int v = 0; v < hv.Length; v++)
        {
            var h = hv[v] * inv;
            hv[v] = h;
            yv[v] = (h * gv[v]) + bv[v];
        }
        for (int j = lanes; j < n; j++)
        {
            float h = xhat[j] * inv;
            xhat[j] = h;
            y[j] = (h * gamma[j]) + beta[j];
        }
        return inv;
    }

    /// <summary>
    /// Gradients of <see cref="Normalize"/> for one row with output gradient <paramref name="g"/>: gGamma += g * xhat,
    /// gBeta += g, gx += inv * (g gamma - mean(g gamma) - xhat * mean(g gamma xhat)) (= when <paramref name="overwrite"/>).
    /// A null or empty target is skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> xhat, float inv, ReadOnlySpan<float> gamma,
        float[]? gGamma, float[]? gBeta, Span<float> gx, bool overwrite)
    {
        int n = g.Length, lanes = Lanes(n);
        var gv = V(g[..lanes]);
        var hv = V(xhat[..lanes]);
        var wv = V(gamma[..lanes]);
        if (gGamma is not null)
        {
            var ggv = V(gGamma.AsSpan(0, lanes));
            for (int v = 0; v < gv.Length; v++)
            {
                ggv[v] += gv[v] * hv[v];
            }
            for (int j = lanes; j < n; j++)
            {
                gGamma[j] += g[j] * xhat[j];
            }
        }
        if (gBeta is not null)
        {
            var gbv = V(gBeta.AsSpan(0, lanes));
            for (int v = 0; v < gv.Length; v++)
            {
                gbv[v] += gv[v];
            }
            for (int j = lanes; j < n; j++)
            {
                gBeta[j] += g[j];
            }
        }
        if (gx.IsEmpty)
        {
            return;
        }
        var s1 = Vector<float>.Zero;
        var s2 = Vector<float>.Zero;
        for (int v = 0; v < gv.Length; v++)
        {
            var gh = gv[v] * wv[v];
            s1 += gh;
            s2 += gh * hv[v];
        }
        float sumG = Vector.Sum(s1), sumGh = Vector.Sum(s2);
        for (int j = lanes; j < n; j++)
        {
            float gh = g[j] * gamma[j];
            sumG += gh;
            sumGh += gh * xhat[j];
        }
        float meanG = sumG / n, meanGh = sumGh / n;
        var gxv = V(gx[..lanes]);
        for (int v = 0; v < gv.Length; v++)
        {
            var d = inv * ((gv[v] * wv[v]) - new Vector<float>(meanG) - (hv[v] * meanGh));
            gxv[v] = overwrite ? d : gxv[v] + d;
        }
        for (int j = lanes; j < n; j++)
        {
            float d = inv * ((g[j] * gamma[j]) - meanG - (xhat[j] * meanGh));
            gx[j] = overwrite ? d : gx[j] + d;
        }
    }
}
