using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Pwmk.Tensors;

/// <summary>
/// Cache-blocked, vectorised single-precision matrix multiply (row-major).
/// One register-blocked micro-kernel (4 rows x 16 columns, AVX/FMA when the CPU has it);
/// transposed operands are packed into a row-major scratch copy first.
/// </summary>
public static unsafe class Gemm
{
    private const int KBlock = 256;
    private const int NBlock = 256;
    private const long ParallelWork = 1L << 21;

    /// <summary>Most threads one product may use (defaults to the processor count; benchmarks pin it).</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>C[m,n] (+)= A[m,k] * B[k,n].</summary>
    public static void NN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        Product(a, k, 1, b, c, m, k, n, accumulate);

    /// <summary>C[m,n] (+)= A * B[k,n] where A(i,p) = a[i*rowStride + p*colStride].</summary>
    private static void Product(ReadOnlySpan<float> a, int rowStride, int colStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
        {
            throw new ArgumentException("matrix buffers smaller than their dimensions");
        }
        if (!accumulate)
        {
            c[..(m * n)].Clear();
        }
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            long work = (long)m * n * k;
            int rowGroups = (m + 3) / 4;
            if (work >= ParallelWork && rowGroups >= 2 && MaxThreads > 1)
            {
                int chunks = Math.Min(rowGroups, MaxThreads);
                nint ia = (nint)pa, ib = (nint)pb, ic = (nint)pc;
                Parallel.For(0, chunks, chunk =>
                {
                    int g0 = (int)((long)rowGroups * chunk / chunks);
                    int g1 = (int)((long)rowGroups * (chunk + 1) / chunks);
                    int r0 = g0 * 4, r1 = Math.Min(m, g1 * 4);
                    Blocked((float*)ia, rowStride, colStride, (float*)ib, (float*)ic, r0, r1, k, n);
                });
            }
            else
            {
                Blocked(pa, rowStride, colStride, pb, pc, 0, m, k, n);
            }
        }
    }

    /// <summary>C[m,n] (+)= A[m,k] * B[n,k]^T.</summary>
    public static void NT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        var bt = TensorArena.Rent(k * n);
        Transpose(b, bt, n, k);
        NN(a, bt, c, m, k, n, accumulate);
    }

    /// <summary>C[m,n] (+)= A[k,m]^T * B[k,n].</summary>
    public static void TN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        Product(a, 1, m, b, c, m, k, n, accumulate); // A^T(i,p) = a[p*m + i]: no transpose copy
    }

    /// <summary>Below this many multiply-adds a product is done by direct loops (no packing, no blocking).</summary>
    internal const int SmallWork = 4096;

    /// <summary>
    /// Direct loops for tiny products (attention over a handful of agent tokens):
    /// C[m,n] (+)= op(A) op(B) with op(A) = A[m,k] or A[k,m]^T, op(B) = B[k,n] or B[n,k]^T.
    /// </summary>
    public static void Small(ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c, int m, int k, int n, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = accumulate ? c[i * n + j] : 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    float bv = transB ? b[j * k + p] : b[p * n + j];
                    sum += av * bv;
                }
                c[i * n + j] = sum;
            }
        }
    }

    /// <summary>dst[cols, rows] = src[rows, cols]^T, in tiles.</summary>
    public static void Transpose(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
    {
        const int T = 16;
        for (int i0 = 0; i0 < rows; i0 += T)
        {
            int i1 = Math.Min(rows, i0 + T);
            for (int j0 = 0; j0 < cols; j0 += T)
            {
                int j1 = Math.Min(cols, j0 + T);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++)
                    {
                        dst[j * rows + i] = src[i * cols + j];
                    }
                }
            }
        }
    }

    private static void Blocked(float* a, int rs, int cs, float* b, float* c, int r0, int r1, int k, int n)
    {
        for (int p0 = 0; p0 < k; p0 += KBlock)
        {
            int kc = Math.Min(KBlock, k - p0);
            for (int j0 = 0; j0 < n; j0 += NBlock)
            {
                int nc = Math.Min(NBlock, n - j0);
                int i = r0;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; i + 4 <= r1; i += 4)
                    {
                        Kernel4(a + (long)i * rs + (long)p0 * cs, rs, cs, b + (long)p0 * n + j0, n, c + (long)i * n + j0, n, kc, nc);
                    }
                }
                for (; i < r1; i++)
                {
                    Row1(a + (long)i * rs + (long)p0 * cs, cs, b + (long)p0 * n + j0, n, c + (long)i * n + j0, kc, nc);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Vector256.MultiplyAddEstimate(a, b, c);

    /// <summary>Four rows of C, 16 columns at a time (8 accumulators), then 8, then scalar tail.</summary>
    private static void Kernel4(float* a, int rs, int cs, float* b, int ldb, float* c, int ldc, int kc, int nc)
    {
        float* a0 = a, a1 = a + rs, a2 = a + 2 * rs, a3 = a + 3 * rs;
        float* c0 = c, c1 = c + ldc, c2 = c + 2 * ldc, c3 = c + 3 * ldc;
        int j = 0;
        for (; j + 16 <= nc; j += 16)
        {
            var x00 = Vector256.Load(c0 + j); var x01 = Vector256.Load(c0 + j + 8);
            var x10 = Vector256.Load(c1 + j); var x11 = Vector256.Load(c1 + j + 8);
            var x20 = Vector256.Load(c2 + j); var x21 = Vector256.Load(c2 + j + 8);
            var x30 = Vector256.Load(c3 + j); var x31 = Vector256.Load(c3 + j + 8);
            float* bp = b + j;
            for (int p = 0; p < kc; p++, bp += ldb)
            {
                var b0 = Vector256.Load(bp);
                var b1 = Vector256.Load(bp + 8);
                var v = Vector256.Create(a0[p * cs]);
                x00 = Fma(v, b0, x00); x01 = Fma(v, b1, x01);
                v = Vector256.Create(a1[p * cs]);
                x10 = Fma(v, b0, x10); x11 = Fma(v, b1, x11);
                v = Vector256.Create(a2[p * cs]);
                x20 = Fma(v, b0, x20); x21 = Fma(v, b1, x21);
                v = Vector256.Create(a3[p * cs]);
                x30 = Fma(v, b0, x30); x31 = Fma(v, b1, x31);
            }
            x00.Store(c0 + j); x01.Store(c0 + j + 8);
            x10.Store(c1 + j); x11.Store(c1 + j + 8);
            x20.Store(c2 + j); x21.Store(c2 + j + 8);
            x30.Store(c3 + j); x31.Store(c3 + j + 8);
        }
        for (; j + 8 <= nc; j += 8)
        {
            var x0 = Vector256.Load(c0 + j); var x1 = Vector256.Load(c1 + j);
            var x2 = Vector256.Load(c2 + j); var x3 = Vector256.Load(c3 + j);
            float* bp = b + j;
            for (int p = 0; p < kc; p++, bp += ldb)
            {
                var b0 = Vector256.Load(bp);
                x0 = Fma(Vector256.Create(a0[p * cs]), b0, x0);
                x1 = Fma(Vector256.Create(a1[p * cs]), b0, x1);
                x2 = Fma(Vector256.Create(a2[p * cs]), b0, x2);
                x3 = Fma(Vector256.Create(a3[p * cs]), b0, x3);
            }
            x0.Store(c0 + j); x1.Store(c1 + j); x2.Store(c2 + j); x3.Store(c3 + j);
        }
        for (; j < nc; j++)
        {
            float s0 = c0[j], s1 = c1[j], s2 = c2[j], s3 = c3[j];
            float* bp = b + j;
            for (int p = 0; p < kc; p++, bp += ldb)
            {
                float bv = *bp;
                s0 += a0[p * cs] * bv; s1 += a1[p * cs] * bv; s2 += a2[p * cs] * bv; s3 += a3[p * cs] * bv;
            }
            c0[j] = s0; c1[j] = s1; c2[j] = s2; c3[j] = s3;
        }
    }

    /// <summary>One row of C: an axpy per k over the row of B (TensorPrimitives, SIMD).</summary>
    private static void Row1(float* a, int cs, float* b, int ldb, float* c, int kc, int nc)
    {
        var row = new Span<float>(c, nc);
        for (int p = 0; p < kc; p++)
        {
            float av = a[(long)p * cs];
            if (av != 0f)
            {
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(b + (long)p * ldb, nc), av, row, row);
            }
        }
    }
}
