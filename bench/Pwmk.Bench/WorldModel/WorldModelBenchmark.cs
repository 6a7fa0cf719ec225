using System.Diagnostics;
using System.IO.Compression;
using Pwmk.Core.WorldModel;
using Pwmk.Tensors;

namespace Pwmk.Bench.WorldModel;

/// <summary>Sizes and settings of <see cref="WorldModelBenchmark"/> (defaults match bench/worldmodel/torch_worldmodel.py).</summary>
internal sealed record WorldModelBenchmarkOptions
{
    /// <summary>Threads a matrix product may use (PyTorch gets the same number).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The model measured.</summary>
    public WorldModelConfig Model { get; init; } = new(25, 4, 64, 3, 8, NumLayers: 2, NumHeads: 4);

    /// <summary>Training batch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Inference batch size.</summary>
    public int InferenceBatchSize { get; init; } = 32;

    /// <summary>Square matrix sizes for the matmul comparison.</summary>
    public IReadOnlyList<int> MatMulSizes { get; init; } = [64, 128, 256, 512];

    /// <summary>Seconds spent per measurement.</summary>
    public double Seconds { get; init; } = 2;
}

/// <summary>Figures of one <see cref="WorldModelBenchmark"/> run.</summary>
internal sealed record WorldModelBenchmarkResult(
    IReadOnlyDictionary<int, double> MatMulGflops,
    double TrainSamplesPerSecond,
    double InferenceP50Ms,
    double InferenceP95Ms,
    long Parameters,
    int Threads);

/// <summary>Measures the tensor core (square matmul GFLOP/s) and the world model (training throughput, inference latency).</summary>
internal static class WorldModelBenchmark
{
    /// <summary>Runs every measurement; the thread setting of the matmul is restored afterwards.</summary>
    public static WorldModelBenchmarkResult Run(WorldModelBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = Math.Clamp(options.Threads, 1, Environment.ProcessorCount);
        try
        {
            var rng = new SeededRandom(0);
            var gflops = new Dictionary<int, double>();
            foreach (var n in options.MatMulSizes)
            {
                if (n < 1 || n > 4096)
                {
                    throw new ArgumentOutOfRangeException(nameof(options), $"matmul size {n} is outside 1..4096");
                }
                var a = Random(n * n, rng);
                var b = Random(n * n, rng);
                var c = new float[n * n];
                var t = Timed(() => Gemm.NN(a, b, c, n, n, n, false), options.Seconds / 2);
                gflops[n] = 2.0 * n * n * n / Median(t) / 1e9;
            }

            var cfg = options.Model;
            var model = new PerspectiveWorldModel(cfg);
            int batch = options.BatchSize, agents = cfg.NumAgents;
            var optimizer = new AdamOptimizer(model.Parameters, 1e-3f, weightDecay: 1e-4f);
            var obs = new Tensor(Random(batch * agents * cfg.ObsDim, rng, 0, 1), batch, agents, cfg.ObsDim);
            var next = new Tensor(Random(batch * agents * cfg.ObsDim, rng, 0, 1), batch, agents, cfg.ObsDim);
            var beliefs = new Tensor(Random(batch * agents * cfg.NumBeliefs, rng, 0, 1), batch, agents, cfg.NumBeliefs);
            for (int i = 0; i < beliefs.Length; i++)
            {
                beliefs.Data[i] = beliefs.Data[i] > 0.5f ? 1f : 0f;
            }
            var actions = new int[batch * agents];
            for (int i = 0; i < actions.Length; i++)
            {
                actions[i] = rng.NextInt(cfg.ActionDim);
            }
            var ids = PerspectiveWorldModel.DefaultAgentIds(batch, agents);
            var train = Timed(() =>
            {
                using var arena = TensorArena.Begin();
                optimizer.ZeroGrad();
                var latent = model.Dynamics(model.Encode(obs, ids), actions);
                var loss = Ops.Add(Ops.MseLoss(model.Decode(latent), next), Ops.BceWithLogitsLoss(model.BeliefLogits(latent), beliefs));
                loss.Backward();
                AdamOptimizer.ClipGradNorm(model.Parameters, 1f);
                optimizer.Step();
            }, options.Seconds);

            int ib = options.InferenceBatchSize;
            var iobs = Random(ib * agents * cfg.ObsDim, rng, 0, 1);
            var iact = new int[ib * agents];
            for (int i = 0; i < iact.Length; i++)
            {
                iact[i] = rng.NextInt(cfg.ActionDim);
            }
            var infer = Timed(() => model.Forward(iobs, iact, null, ib), options.Seconds);
            return new WorldModelBenchmarkResult(gflops, batch / Median(train), 1000 * Median(infer), 1000 * Percentile(infer, 0.95),
                model.ParameterCount, Gemm.MaxThreads);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>
    /// Writes what the PyTorch twin needs to check that it computes the same function: a checkpoint of a model with
    /// <paramref name="options"/>' sizes (<c>model.safetensors</c>) and <c>check.npz</c> with inputs
    /// (<c>observations</c>, <c>actions</c>) and this model's outputs (<c>next_observations</c>, <c>beliefs</c>).
    /// </summary>
    public static void WriteCrossCheck(WorldModelBenchmarkOptions options, string directory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cfg = options.Model with { Seed = 11 };
        var model = new PerspectiveWorldModel(cfg);
        var rng = new SeededRandom(5);
        int b = 4, n = cfg.NumAgents;
        var obs = Random(b * n * cfg.ObsDim, rng, 0, 1);
        var actions = new int[b * n];
        for (int i = 0; i < actions.Length; i++)
        {
            actions[i] = rng.NextInt(cfg.ActionDim);
        }
        var p = model.Forward(obs, actions, null, b);
        Directory.CreateDirectory(directory);
        model.Save(Path.Combine(directory, "model.safetensors"));
        AtomicFile.Write(Path.Combine(directory, "check.npz"), s =>
        {
            using var zip = new ZipArchive(s, ZipArchiveMode.Create, leaveOpen: true);
            void Add(string name, Action<Stream> write)
            {
                using var es = zip.CreateEntry(name + ".npy").Open();
                write(es);
            }
            Add("observations", es => NpyFormat.Write(es, obs, [b, n, cfg.ObsDim]));
            Add("actions", es => NpyFormat.Write(es, actions, [b, n]));
            Add("next_observations", es => NpyFormat.Write(es, p.NextObservations, [b, n, cfg.ObsDim]));
            Add("beliefs", es => NpyFormat.Write(es, p.Beliefs, [b, n, cfg.NumBeliefs]));
        });
    }

    private static float[] Random(int n, SeededRandom rng, float low = -1, float high = 1)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.Uniform(low, high);
        }
        return x;
    }

    /// <summary>Sorted durations in seconds of repeated calls (after warm-up), for at least <paramref name="seconds"/>.</summary>
    private static double[] Timed(Action action, double seconds)
    {
        // Warm-up long enough for tiered JIT to promote the hot methods (>= 50 calls and half the budget).
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 50 || warm.Elapsed.TotalSeconds < seconds / 2; i++)
        {
            action();
        }
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || times.Count < 5)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        var sorted = times.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    private static double Median(double[] sorted) => sorted[sorted.Length / 2];

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
