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
        Assert.Equal(a.Observations, b.Observations);
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
        Assert.Equal(data.Observations, back.Observations);
        Assert.Equal(data.Actions, back.Actions);
        Assert.Equal(data.Beliefs, back.Beliefs);
        Assert.Equal(data.WorldTruth, back.WorldTruth);
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
