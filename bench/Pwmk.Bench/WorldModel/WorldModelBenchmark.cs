using System.Diagnostics;
using System.IO.Compression;
using Pwmk.Core.WorldModel;
using Pwmk.Tensors;
using Pwmk.Core.Storage;

namespace Pwmk.Bench.WorldModel;

/// <summary>Sizes of <see cref="WorldModelBenchmark"/> (defaults match bench/worldmodel/torch_worldmodel.py).</summary>
internal sealed record WorldModelBenchmarkOptions
{
    /// <summary>The model measured.</summary>
    public WorldModelConfig Model { get; init; } = new(25, 4, 64, 3, 8, NumLayers: 2, NumHeads: 4);

    /// <summary>Training batch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Inference batch size.</summary>
    public int InferenceBatchSize { get; init; } = 32;
}

/// <summary>
/// The world model's training step (forward, loss, backward, clip, AdamW) and inference on fixed random batches, timed
/// the way the PyTorch twin times its own (warm-up of at least 50 calls and the measuring time, then the median call).
/// Thread count: <see cref="Gemm.MaxThreads"/>, set by the caller.
/// </summary>
internal sealed class WorldModelBenchmark
{
    private readonly PerspectiveWorldModel model;
    private readonly AdamOptimizer optimizer;
    private readonly Tensor obs, next, beliefs;
    private readonly int[] actions, ids, inferActions;
    private readonly float[] inferObs;
    private readonly int batch, inferBatch;

    public WorldModelBenchmark(WorldModelBenchmarkOptions options)
    {
        var cfg = options.Model;
        var rng = new SeededRandom(0);
        model = new PerspectiveWorldModel(cfg);
        optimizer = new AdamOptimizer(model.Parameters, 1e-3f, weightDecay: 1e-4f);
        batch = options.BatchSize;
        inferBatch = options.InferenceBatchSize;
        int agents = cfg.NumAgents;
        obs = new Tensor(Random(batch * agents * cfg.ObsDim, rng, 0, 1), batch, agents, cfg.ObsDim);
        next = new Tensor(Random(batch * agents * cfg.ObsDim, rng, 0, 1), batch, agents, cfg.ObsDim);
        beliefs = new Tensor(Random(batch * agents * cfg.NumBeliefs, rng, 0, 1), batch, agents, cfg.NumBeliefs);
        for (int i = 0; i < beliefs.Length; i++)
        {
            beliefs.Data[i] = beliefs.Data[i] > 0.5f ? 1f : 0f;
        }
        actions = RandomActions(batch * agents, cfg.ActionDim, rng);
        ids = PerspectiveWorldModel.DefaultAgentIds(batch, agents);
        inferObs = Random(inferBatch * agents * cfg.ObsDim, rng, 0, 1);
        inferActions = RandomActions(inferBatch * agents, cfg.ActionDim, rng);
    }

    public long Parameters => model.ParameterCount;

    /// <summary>One training step on the fixed batch.</summary>
    public void Step()
    {
        using var arena = TensorArena.Begin();
        optimizer.ZeroGrad();
        var latent = model.Dynamics(model.Encode(obs, ids), actions);
        var loss = Ops.Add(Ops.MseLoss(model.Decode(latent), next), Ops.BceWithLogitsLoss(model.BeliefLogits(latent), beliefs));
        loss.Backward();
        AdamOptimizer.ClipGradNorm(model.Parameters, 1f);
        optimizer.Step();
    }

    /// <summary>One inference on the fixed inference batch.</summary>
    public void Infer() => model.Forward(inferObs, inferActions, null, inferBatch);

    /// <summary>Training samples per second: batch over the median step.</summary>
    public double TrainSamplesPerSecond(double seconds) => batch / Median(Timed(Step, seconds));

    /// <summary>Inference latency, median and 95th percentile, in milliseconds.</summary>
    public (double P50Ms, double P95Ms) Inference(double seconds)
    {
        var t = Timed(Infer, seconds);
        return (1000 * Median(t), 1000 * t[Math.Min(t.Length - 1, (int)(0.95 * t.Length))]);
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
        var actions = RandomActions(b * n, cfg.ActionDim, rng);
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

    private static int[] RandomActions(int n, int actionDim, SeededRandom rng)
    {
        var a = new int[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = rng.NextInt(actionDim);
        }
        return a;
    }

    /// <summary>
    /// Sorted durations in seconds of calls of <paramref name="action"/> for <paramref name="seconds"/> (at least 5),
    /// after a warm-up of at least 50 calls and as many seconds (tiered JIT promotes the hot methods).
    /// </summary>
    private static double[] Timed(Action action, double seconds)
    {
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 50 || warm.Elapsed.TotalSeconds < seconds; i++)
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
}
