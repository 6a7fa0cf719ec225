using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Pwmk.Tensors;

namespace Pwmk.Bench.Blas;

/// <summary>One product shape: C[M,N] = op(A) op(B), op named as <see cref="Pwmk.Tensors.Gemm"/>'s methods (NN, NT, TN).</summary>
internal sealed record GemmShape(string Op, int M, int K, int N)
{
    public double Flop => 2.0 * M * K * N;

    public override string ToString() => $"{Op} {M}x{K}x{N}";

    /// <summary>"NN:192x64x64" or a bare size "256" (square NN).</summary>
    public static GemmShape Parse(string text)
    {
        var t = text.Trim();
        string op = "NN";
        if (t.Length > 3 && t[2] == ':')
        {
            op = t[..2].ToUpperInvariant();
            t = t[3..];
        }
        if (op is not ("NN" or "NT" or "TN"))
        {
            throw new ArgumentException($"--shapes: '{text}': the operation must be NN, NT or TN");
        }
        var d = t.Split('x');
        if (d.Length == 1 && int.TryParse(d[0], out int s) && s is >= 1 and <= 4096)
        {
            return new GemmShape(op, s, s, s);
        }
        if (d.Length == 3 && int.TryParse(d[0], out int m) && int.TryParse(d[1], out int k) && int.TryParse(d[2], out int n)
            && m is >= 1 and <= 4096 && k is >= 1 and <= 4096 && n is >= 1 and <= 4096)
        {
            return new GemmShape(op, m, k, n);
        }
        throw new ArgumentException($"--shapes: '{text}' is not OP:MxKxN or a size (each 1..4096)");
    }
}

/// <summary>
/// Times PWMK's product the way bench/gemm/openblas_sgemm.c times OpenBLAS's: warm-up for half the seconds, then five
/// batches of calls filling the other half; the median batch gives GFLOP/s.
/// </summary>
internal static class GemmTiming
{
    public static double Gflops(GemmShape shape, double seconds)
    {
        var rng = new SeededRandom(1);
        var a = Random(shape.M * shape.K, rng);
        var b = Random(shape.K * shape.N, rng);
        var c = new float[shape.M * shape.N];
        int m = shape.M, k = shape.K, n = shape.N;
        Action call = shape.Op switch
        {
            "NT" => () => Gemm.NT(a, b, c, m, k, n, false),
            "TN" => () => Gemm.TN(a, b, c, m, k, n, false),
            _ => () => Gemm.NN(a, b, c, m, k, n, false),
        };
        long calls = 0;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < seconds / 2)
        {
            call();
            calls++;
        }
        double per = warm.Elapsed.TotalSeconds / calls;
        long reps = Math.Max(1, (long)(seconds / 2 / 5 / per));
        var batches = new double[5];
        for (int r = 0; r < batches.Length; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long i = 0; i < reps; i++)
            {
                call();
            }
            batches[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds / reps;
        }
        Array.Sort(batches);
        return shape.Flop / batches[2] / 1e9;
    }

    private static float[] Random(int n, SeededRandom rng)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.Uniform(-1, 1);
        }
        return x;
    }
}

/// <summary>
/// The machine's single-precision peak as measured: twelve independent chains of fused multiply-adds per thread on the
/// widest vectors the JIT accelerates, on <c>threads</c> threads at once (what the clock really is under that load).
/// </summary>
internal static class FmaPeak
{
    public static (double Gflops, int VectorBits) Measure(int threads, double seconds)
    {
        int bits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 0;
        if (bits == 0)
        {
            return (double.NaN, 0);
        }
        const long Iterations = 1 << 20;
        double flopPerIteration = 12.0 * 2 * bits / 32;
        double best = 0;
        var until = Stopwatch.StartNew();
        while (until.Elapsed.TotalSeconds < seconds)
        {
            long t0 = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
            {
                if (bits == 512)
                {
                    Chains512(Iterations);
                }
                else
                {
                    Chains256(Iterations);
                }
            });
            best = Math.Max(best, threads * Iterations * flopPerIteration / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9);
        }
        return (best, bits);
    }

    // No call inside the loops: the JIT keeps vectors live across a call on the stack.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(long iterations)
    {
        var x0 = Vector512.Create(1f);
        Vector512<float> x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-7f);
        for (long i = 0; i < iterations; i++)
        {
            x0 = Vector512.FusedMultiplyAdd(x0, m, a); x1 = Vector512.FusedMultiplyAdd(x1, m, a); x2 = Vector512.FusedMultiplyAdd(x2, m, a);
            x3 = Vector512.FusedMultiplyAdd(x3, m, a); x4 = Vector512.FusedMultiplyAdd(x4, m, a); x5 = Vector512.FusedMultiplyAdd(x5, m, a);
            x6 = Vector512.FusedMultiplyAdd(x6, m, a); x7 = Vector512.FusedMultiplyAdd(x7, m, a); x8 = Vector512.FusedMultiplyAdd(x8, m, a);
            x9 = Vector512.FusedMultiplyAdd(x9, m, a); x10 = Vector512.FusedMultiplyAdd(x10, m, a); x11 = Vector512.FusedMultiplyAdd(x11, m, a);
        }
        return (x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long iterations)
    {
        var x0 = Vector256.Create(1f);
        Vector256<float> x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        for (long i = 0; i < iterations; i++)
        {
            x0 = Vector256.FusedMultiplyAdd(x0, m, a); x1 = Vector256.FusedMultiplyAdd(x1, m, a); x2 = Vector256.FusedMultiplyAdd(x2, m, a);
            x3 = Vector256.FusedMultiplyAdd(x3, m, a); x4 = Vector256.FusedMultiplyAdd(x4, m, a); x5 = Vector256.FusedMultiplyAdd(x5, m, a);
            x6 = Vector256.FusedMultiplyAdd(x6, m, a); x7 = Vector256.FusedMultiplyAdd(x7, m, a); x8 = Vector256.FusedMultiplyAdd(x8, m, a);
            x9 = Vector256.FusedMultiplyAdd(x9, m, a); x10 = Vector256.FusedMultiplyAdd(x10, m, a); x11 = Vector256.FusedMultiplyAdd(x11, m, a);
        }
        return (x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11).GetElement(0);
    }
}
