namespace Pwmk.Tensors.Tests;

/// <summary>The matrix multiply: every kernel, transpose, edge and thread count gives the product, and the same bits.</summary>
public class GemmTests
{
    /// <summary>The kernels this CPU can run (the portable one always).</summary>
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var kernel in Enum.GetValues<GemmKernel>())
        {
            if (kernel <= Gemm.BestKernel)
            {
                data.Add(kernel.ToString());
            }
        }
        return data;
    }

    /// <summary>
    /// Shapes around the register tiles (8 x 32, 6 x 16, 4 x 8, and 9 to 11 rows at the end of a block), several k blocks
    /// (256), several packed column blocks (512), narrow results computed transposed (a few columns, many rows, with 9 to
    /// 11 columns in the last tile), results at most 8 columns wide (one 8-lane vector per row, 16 rows then 8, 4, 2, 1,
    /// over one or two k blocks), and a vector.
    /// </summary>
    private static readonly (int M, int K, int N)[] Shapes =
    [
        (1, 1, 1), (3, 5, 7), (8, 16, 32), (6, 9, 16), (9, 33, 31), (17, 1, 65), (13, 300, 37), (7, 513, 3),
        (20, 70, 1100), (192, 64, 8), (64, 30, 16), (200, 25, 3), (1, 40, 300), (300, 40, 1), (25, 192, 64),
        (64, 192, 25), (192, 64, 25), (10, 20, 70), (27, 9, 33), (90, 12, 11), (31, 270, 8), (47, 16, 6),
    ];

    private static float[] Fill(int n, SeededRandom rng)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.Uniform(-1, 1);
        }
        return x;
    }

    /// <summary>op(A) op(B) in double precision, A stored [k,m] when transposed, B stored [n,k] when transposed.</summary>
    private static double[] Reference(float[] a, bool transA, float[] b, bool transB, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    s += (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }

    private static (float[] A, float[] B, float[] C) Operands(int m, int k, int n, int seed)
    {
        var rng = new SeededRandom((ulong)seed);
        return (Fill(m * k, rng), Fill(k * n, rng), Fill(m * n, rng));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryShapeAndTransposeMatchesTheProductInDoublePrecision(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernel>(kernelName);
        foreach (var (m, k, n) in Shapes)
        {
            foreach (var (transA, transB) in new[] { (false, false), (false, true), (true, false), (true, true) })
            {
                var (a, b, c0) = Operands(m, k, n, m * 7 + k * 3 + n);
                var expected = Reference(a, transA, b, transB, m, k, n);
                foreach (bool accumulate in new[] { false, true })
                {
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(a, transA, b, transB, c, m, k, n, accumulate, kernel, threads: 1);
                    for (int i = 0; i < c.Length; i++)
                    {
                        double want = expected[i] + (accumulate ? c0[i] : 0);
                        Assert.True(Math.Abs(c[i] - want) < 1e-4 * (1 + Math.Sqrt(k)),
                            $"{kernel} {m}x{k}x{n} transA={transA} transB={transB} accumulate={accumulate} element {i}: {c[i]} vs {want}");
                    }
                }
            }
        }
    }

    [Fact]
    public void EveryKernelGivesTheSameBits()
    {
        foreach (var (m, k, n) in Shapes)
        {
            foreach (var (transA, transB) in new[] { (false, false), (false, true), (true, false) })
            {
                var (a, b, c0) = Operands(m, k, n, 3);
                var portable = (float[])c0.Clone();
                Gemm.Multiply(a, transA, b, transB, portable, m, k, n, true, GemmKernel.Portable, 1);
                foreach (var kernel in new[] { GemmKernel.Avx2, GemmKernel.Avx512 })
                {
                    if (kernel > Gemm.BestKernel)
                    {
                        continue;
                    }
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(a, transA, b, transB, c, m, k, n, true, kernel, 1);
                    Assert.True(portable.AsSpan().SequenceEqual(c), $"{kernel} differs from the portable kernel at {m}x{k}x{n} transA={transA} transB={transB}");
                }
            }
        }
    }

    [Theory]
    [InlineData(300, 200, 40, false, false)] // split by rows
    [InlineData(20, 300, 700, false, false)] // split by columns
    [InlineData(192, 256, 64, false, true)] // the world model's backward products
    [InlineData(256, 192, 64, true, false)]
    [InlineData(700, 300, 5, false, false)] // narrow, computed transposed, split
    public void ThreadsNeverChangeTheResult(int m, int k, int n, bool transA, bool transB)
    {
        var (a, b, c0) = Operands(m, k, n, 11);
        var single = (float[])c0.Clone();
        Gemm.Multiply(a, transA, b, transB, single, m, k, n, true, Gemm.BestKernel, 1);
        foreach (int threads in new[] { 2, 3, 7 })
        {
            var c = (float[])c0.Clone();
            Gemm.Multiply(a, transA, b, transB, c, m, k, n, true, Gemm.BestKernel, threads);
            Assert.True(single.AsSpan().SequenceEqual(c), $"{threads} threads differ from one at {m}x{k}x{n}");
        }
    }

    [Fact]
    public void OverwritingIgnoresWhatTheOutputHeld()
    {
        var (a, b, _) = Operands(9, 300, 33, 5);
        var clean = new float[9 * 33];
        Gemm.NN(a, b, clean, 9, 300, 33, accumulate: false);
        var dirty = Enumerable.Repeat(float.NaN, 9 * 33).ToArray();
        Gemm.NN(a, b, dirty, 9, 300, 33, accumulate: false);
        Assert.Equal(clean, dirty);
    }

    [Fact]
    public void AnEmptyInnerDimensionGivesZerosOrLeavesTheSumAlone()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.NN([], [], c, 2, 0, 3, accumulate: true);
        Assert.Equal([1f, 2, 3, 4, 5, 6], c);
        Gemm.NN([], [], c, 2, 0, 3, accumulate: false);
        Assert.All(c, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void WritesNothingOutsideTheResult()
    {
        // C sits inside a larger buffer: the edge tiles' masked stores must not touch what follows it.
        var (a, b, _) = Operands(9, 20, 33, 8);
        var c = Enumerable.Repeat(-7f, 9 * 33 + 40).ToArray();
        Gemm.NN(a, b, c, 9, 20, 33, accumulate: false);
        Assert.All(c[(9 * 33)..], x => Assert.Equal(-7f, x));
    }

    [Fact]
    public void BuffersTooSmallOrNegativeSizesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => Gemm.NN(new float[5], new float[6], new float[6], 2, 3, 2, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.NN(new float[6], new float[6], new float[6], -2, 3, 2, false));
    }

    [Fact]
    public void TransposeSwapsRowsAndColumns()
    {
        var src = new float[] { 1, 2, 3, 4, 5, 6 }; // [2,3]
        var dst = new float[6];
        Gemm.Transpose(src, dst, 2, 3);
        Assert.Equal([1f, 4, 2, 5, 3, 6], dst);
    }
}
