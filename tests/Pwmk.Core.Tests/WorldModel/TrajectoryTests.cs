using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.WorldModel;

public sealed class TrajectoryTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("pwmk-traj-");

    public void Dispose() => dir.Delete(true);

    private string PathOf(string name) => Path.Combine(dir.FullName, name);

    [Fact]
    public void CollectionIsDeterministicAndRecordsFalseBeliefs()
    {
        var env = new SyntheticBoxWorld(numAgents: 3, cells: 8, viewRadius: 1, maxSteps: 20);
        var a = new DataCollector(env).Collect(10, CollectionPolicy.Random, seed: 5);
        var b = new DataCollector(env).Collect(10, CollectionPolicy.Random, seed: 5);
        var c = new DataCollector(env).Collect(10, CollectionPolicy.Random, seed: 6);
        Assert.Equal(a.Observations.ToDense(), b.Observations.ToDense());
        Assert.Equal(a.Actions, b.Actions);
        Assert.NotEqual(a.Actions, c.Actions);
        Assert.Equal(200, a.Transitions);
        int falseBeliefs = 0;
        for (int e = 0; e < a.Episodes; e++)
        {
            for (int t = 0; t <= a.Steps; t++)
            {
                var truth = a.Truth(e, t);
                var beliefs = a.Belief(e, t);
                for (int i = 0; i < beliefs.Length; i++)
                {
                    falseBeliefs += beliefs[i] != truth[i % a.NumBeliefs] ? 1 : 0;
                }
            }
        }
        Assert.True(falseBeliefs > 0, "no agent ever missed a box move");
    }

    [Fact]
    public void ExpertPolicyPushesTheBox()
    {
        var env = new SyntheticBoxWorld(numAgents: 2, moveProbability: 0);
        var data = new DataCollector(env).Collect(5, CollectionPolicy.Expert, seed: 1);
        Assert.Contains(3, data.Actions);
        var noExpert = new NoExpertEnv();
        Assert.Throws<ArgumentException>(() => new DataCollector(noExpert).Collect(1, CollectionPolicy.Expert));
    }

    [Fact]
    public void NpzRoundTripKeepsEveryArray()
    {
        var data = new DataCollector(new SyntheticBoxWorld()).Collect(4, seed: 2);
        var path = PathOf("t.npz");
        data.Save(path);
        var back = TrajectoryDataset.Load(path);
        Assert.Equal((data.Episodes, data.Steps, data.Agents, data.ObservationSize, data.NumBeliefs),
            (back.Episodes, back.Steps, back.Agents, back.ObservationSize, back.NumBeliefs));
        Assert.Equal(data.Observations.ToDense(), back.Observations.ToDense());
        Assert.Equal(data.Actions, back.Actions);
        Assert.Equal(data.Beliefs.ToDense(), back.Beliefs.ToDense());
        Assert.Equal(data.WorldTruth.ToDense(), back.WorldTruth.ToDense());
        Assert.Equal(data.Lengths, back.Lengths);
    }

    [Fact]
    public void NpyHeaderIsWhatNumpyWrites()
    {
        using var ms = new MemoryStream();
        NpyFormat.Write(ms, new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var bytes = ms.ToArray();
        Assert.Equal(0, (bytes.Length - 24) % 64); // header padded to a multiple of 64
        var header = System.Text.Encoding.ASCII.GetString(bytes, 10, bytes.Length - 10 - 24);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        ms.Position = 0;
        var arr = NpyFormat.Read(ms, "x", 1 << 20);
        Assert.Equal([2, 3], arr.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], arr.AsFloats("x"));
    }

    [Fact]
    public void TruncatedOrCorruptedTrajectoryFileIsRefused()
    {
        var data = new DataCollector(new SyntheticBoxWorld()).Collect(4, seed: 2);
        var path = PathOf("t.npz");
        data.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<InvalidModelFileException>(() => TrajectoryDataset.Load(path));
        Assert.Contains(path, ex.Message);
        var corrupt = (byte[])bytes.Clone();
        for (int i = 200; i < 260; i++)
        {
            corrupt[i] ^= 0x5A;
        }
        File.WriteAllBytes(path, corrupt);
        Assert.Throws<InvalidModelFileException>(() => TrajectoryDataset.Load(path));
    }

    [Fact]
    public void HeaderClaimingMoreDataThanTheArchiveHoldsIsRefusedBeforeAllocating()
    {
        var path = PathOf("huge.npz");
        using (var zip = new System.IO.Compression.ZipArchive(File.Create(path), System.IO.Compression.ZipArchiveMode.Create))
        {
            using var es = zip.CreateEntry("observations.npy").Open();
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 3, 9), }";
            header = header.PadRight(118) + "\n";
            es.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0]);
            es.Write(System.Text.Encoding.ASCII.GetBytes(header));
        }
        var ex = Assert.Throws<InvalidModelFileException>(() => TrajectoryDataset.Load(path));
        Assert.Contains("limit", ex.Message);
    }

    [Fact]
    public void ParallelInferenceGivesTheSameAnswersAsSequential()
    {
        var env = new SyntheticBoxWorld();
        var model = new PerspectiveWorldModel(new WorldModelConfig(env.ObservationSize, 4, 32, 3, env.NumBeliefs, 1, 4, 1));
        var data = new DataCollector(env).Collect(8, seed: 1);
        var expected = new float[8][];
        for (int e = 0; e < 8; e++)
        {
            expected[e] = model.Forward(data.Observation(e, 0).ToArray(), data.Action(e, 0).ToArray(), null, 1).NextObservations;
        }
        var actual = new float[8][];
        Parallel.For(0, 64, i =>
        {
            int e = i % 8;
            var p = model.Forward(data.Observation(e, 0).ToArray(), data.Action(e, 0).ToArray(), null, 1).NextObservations;
            if (i >= 56)
            {
                actual[e] = p;
            }
        });
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void CollectionLargerThanTheValueBudgetWhenDenseIsKeptExactly()
    {
        // 2 episodes x 257 steps x 2 agents x 2^18 values is above MaxValues as one float per value (as 4,000 box-world
        // episodes are): the collector keeps the non-zero values only and reads every step back exactly.
        var env = new WideSparseEnv();
        Assert.True(2L * (env.MaxSteps + 1) * env.NumAgents * (env.ObservationSize + env.NumBeliefs) > DataCollector.MaxValues);
        var data = new DataCollector(env).Collect(2, seed: 3);
        Assert.Equal(2 * env.MaxSteps, data.Transitions);
        for (int e = 0; e < 2; e++)
        {
            for (int t = 0; t <= env.MaxSteps; t += 37)
            {
                var obs = data.Observation(e, t);
                var beliefs = data.Belief(e, t);
                for (int a = 0; a < env.NumAgents; a++)
                {
                    var mine = obs.Slice(a * env.ObservationSize, env.ObservationSize);
                    Assert.Equal(WideSparseEnv.Cell(e, t, a), mine.IndexOf(1f));
                    Assert.Equal(-0.5f, mine[^1]);
                    Assert.Equal(2, mine.Length - mine.Count(0f));
                    Assert.Equal(WideSparseEnv.Cell(e, t, a) % env.NumBeliefs, beliefs.Slice(a * env.NumBeliefs, env.NumBeliefs).IndexOf(1f));
                }
            }
        }
    }

    /// <summary>Huge, almost all-zero observations and beliefs: one cell set per agent and step, and a constant last value.</summary>
    private sealed class WideSparseEnv : IWorldModelEnvironment
    {
        private int episode, step;
        public string Name => "wide";
        public int NumAgents => 2;
        public int ObservationSize => 1 << 18;
        public int NumActions => 2;
        public int NumBeliefs => 1 << 16;
        public int MaxSteps => 256;
        public static int Cell(int e, int t, int a) => (int)((e * 7919L + t * 104_729L + a * 31L) % ((1 << 18) - 1));
        public void Reset(int seed, Span<float> observations)
        {
            (episode, step) = (seed - 3 * 100_003, 0);
            Fill(observations);
        }
        public bool Step(ReadOnlySpan<int> actions, Span<float> observations)
        {
            step++;
            Fill(observations);
            return false;
        }
        private void Fill(Span<float> observations)
        {
            for (int a = 0; a < NumAgents; a++)
            {
                observations[a * ObservationSize + Cell(episode, step, a)] = 1f;
                observations[(a + 1) * ObservationSize - 1] = -0.5f;
            }
        }
        public void GetBeliefGroundTruth(Span<float> beliefs)
        {
            for (int a = 0; a < NumAgents; a++)
            {
                beliefs[a * NumBeliefs + Cell(episode, step, a) % NumBeliefs] = 1f;
            }
        }
        public void GetWorldTruth(Span<float> truth) => truth[Cell(episode, step, 0) % NumBeliefs] = 1f;
    }

    private sealed class NoExpertEnv : IWorldModelEnvironment
    {
        public string Name => "no-expert";
        public int NumAgents => 1;
        public int ObservationSize => 1;
        public int NumActions => 2;
        public int NumBeliefs => 1;
        public int MaxSteps => 1;
        public void Reset(int seed, Span<float> observations) => observations.Clear();
        public bool Step(ReadOnlySpan<int> actions, Span<float> observations) => true;
        public void GetBeliefGroundTruth(Span<float> beliefs) => beliefs.Clear();
        public void GetWorldTruth(Span<float> truth) => truth.Clear();
    }
}
