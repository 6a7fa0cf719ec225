using BenchmarkDotNet.Attributes;
using Pwmk.Core.Environments;

namespace Pwmk.Bench.Micro;

/// <summary>
/// MultiAgentBoxWorld, 4 agents on a 10x10 grid, 1,000 joint steps (4,000 agent-steps) per operation
/// with random actions. Anchor: the same world without belief tracking.
/// </summary>
[MemoryDiagnoser]
public class EnvironmentBenchmarks
{
    private const int Steps = 1000;
    private MultiAgentBoxWorld _tracked = null!, _untracked = null!, _depth4 = null!;
    private int[][] _actions = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tracked = new MultiAgentBoxWorld(10, 4, 3, 2, maxSteps: 200, beliefDepth: 2) { RecordHistory = false };
        _untracked = new MultiAgentBoxWorld(10, 4, 3, 2, maxSteps: 200, beliefDepth: 2, trackBeliefs: false) { RecordHistory = false };
        _depth4 = new MultiAgentBoxWorld(10, 4, 3, 2, maxSteps: 200, beliefDepth: 4) { RecordHistory = false };
        var rng = new Random(1);
        _actions = [.. Enumerable.Range(0, Steps).Select(_ => new[] { rng.Next(6), rng.Next(6), rng.Next(6), rng.Next(6) })];
    }

    private int Run(MultiAgentBoxWorld env)
    {
        var r = env.Reset(7);
        int episodes = 0;
        for (int i = 0; i < Steps; i++)
        {
            if (r.Done) { r = env.Reset(7 + ++episodes); }
            r = env.Step(_actions[i]);
        }
        return r.StepCount;
    }

    [Benchmark(Baseline = true, Description = "BoxWorld 4x10x10, no belief tracking (anchor)")]
    public int Untracked() => Run(_untracked);

    [Benchmark(Description = "BoxWorld 4x10x10, beliefs depth 2")]
    public int TrackedDepth2() => Run(_tracked);

    [Benchmark(Description = "BoxWorld 4x10x10, beliefs depth 4")]
    public int TrackedDepth4() => Run(_depth4);
}
