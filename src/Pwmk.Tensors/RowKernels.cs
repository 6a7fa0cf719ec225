using System.Numerics;
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
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        int lanes = Lanes(x.Length);
        var xv = V(x[..lanes]);
        var yv = V(y[..lanes]);
        var hi = new Vector<float>(TanhClamp);
        for (int v = 0; v < xv.Length; v++)
        {
            var t = Vector.Min(Vector.Max(xv[v], -hi), hi);
            var t2 = t * t;
            var p = (t2 * TanhA13) + new Vector<float>(TanhA11);
            p = (p * t2) + new Vector<float>(TanhA9);
            p = (p * t2) + new Vector<float>(TanhA7);
            p = (p * t2) + new Vector<float>(TanhA5);
            p = (p * t2) + new Vector<float>(TanhA3);
            p = (p * t2) + new Vector<float>(TanhA1);
            var q = (t2 * TanhB6) + new Vector<float>(TanhB4);
            q = (q * t2) + new Vector<float>(TanhB2);
            q = (q * t2) + new Vector<float>(TanhB0);
            yv[v] = p * t / q;
        }
        for (int j = lanes; j < x.Length; j++)
        {
            y[j] = Tanh(x[j]);
        }
    }

    /// <summary>tanh(x) by the same approximation as the vector loop.</summary>
    public static float Tanh(float x)
    {
        float t = Math.Clamp(x, -TanhClamp, TanhClamp), t2 = t * t;
        float p = (t2 * TanhA13) + TanhA11;
        p = (p * t2) + TanhA9;
        p = (p * t2) + TanhA7;
        p = (p * t2) + TanhA5;
        p = (p * t2) + TanhA3;
        p = (p * t2) + TanhA1;
        float q = (t2 * TanhB6) + TanhB4;
        q = (q * t2) + TanhB2;
        q = (q * t2) + TanhB0;
        return p * t / q;
    }

    /// <summary>
    /// Layer normalisation of one row: xhat = (x - mean) / sqrt(var + eps), y = xhat * gamma + beta; returns 1/sqrt(var + eps).
    /// </summary>
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
    /// gBeta += g, gx += inv * (g gamma - mean(g gamma) - xhat * mean(g gamma xhat)). A null or empty target is skipped.
    /// </summary>
    public static void NormalizeBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> xhat, float inv, ReadOnlySpan<float> gamma,
        float[]? gGamma, float[]? gBeta, Span<float> gx)
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
            gxv[v] += inv * ((gv[v] * wv[v]) - new Vector<float>(meanG) - (hv[v] * meanGh));
        }
        for (int j = lanes; j < n; j++)
        {
            gx[j] += inv * ((g[j] * gamma[j]) - meanG - (xhat[j] * meanGh));
        }
    }
}
