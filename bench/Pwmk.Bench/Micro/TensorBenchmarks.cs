using BenchmarkDotNet.Attributes;
using Pwmk.Tensors;

namespace Pwmk.Bench.Micro;

/// <summary>
/// Square single-thread matmul of PWMK's tensor core.
/// The PyTorch comparison (same run, same sizes) is <c>bench/pwmk-bench worldmodel</c>.
/// </summary>
[MemoryDiagnoser]
public class TensorBenchmarks
{
    private float[] a = [], b = [], c = [];

    [Params(64, 256)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new SeededRandom(1);
        a = new float[N * N];
        b = new float[N * N];
        c = new float[N * N];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rng.Uniform(-1, 1);
            b[i] = rng.Uniform(-1, 1);
        }
        Gemm.MaxThreads = 1;
    }

    [Benchmark]
    public void MatMul() => Gemm.NN(a, b, c, N, N, N, accumulate: false);
}
