using System.Buffers.Binary;
using System.Text.Json;
using Pwmk.Core.WorldModel;
using Pwmk.Core.Storage;

namespace Pwmk.Core.Tests.WorldModel;

public sealed class CheckpointTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("pwmk-ckpt-");

    public void Dispose() => dir.Delete(true);

    private string PathOf(string name) => System.IO.Path.Combine(dir.FullName, name);

    private static PerspectiveWorldModel Model(int hidden = 16, ulong seed = 2) => new(new WorldModelConfig(5, 3, hidden, 2, 4, 1, 2, seed));

    [Fact]
    public void SavedModelLoadsWithIdenticalPredictions()
    {
        var model = Model();
        var path = PathOf("m.safetensors");
        model.Save(path);
        var loaded = PerspectiveWorldModel.Load(path);
        Assert.Equal(model.Config, loaded.Config);
        var obs = Enumerable.Range(0, 10).Select(i => i * 0.1f).ToArray();
        Assert.Equal(model.Forward(obs, [1, 2], null, 1).NextObservations, loaded.Forward(obs, [1, 2], null, 1).NextObservations);
        Assert.Empty(Directory.GetFiles(dir.FullName, "*.tmp"));
    }

    [Fact]
    public void PredictedEvidenceIsAChanceOfSeeingTimesABeliefAndSurvivesSaveAndLoad()
    {
        // the default model of a world with evidence predicts the next evidence from its beliefs: per fluent and chain,
        // at most one value in total (the chance it is seen), never on "no belief"; a checkpoint keeps that choice
        var env = PerspectiveEnvAdapter.Rooms(agents: 2, maxSteps: 6);
        var model = new PerspectiveWorldModel(WorldModelConfig.ForEnvironment(env, hiddenDim: 16, numLayers: 1, seed: 4));
        Assert.True(model.Config.PredictEvidence);
        var test = new DataCollector(env).Collect(2, CollectionPolicy.Mixed, seed: 6);
        var steps = Enumerable.Range(0, test.Lengths[0]).Select(t => test.Action(0, t).ToArray()).ToList();
        var predicted = model.PredictTrajectory(test.Observation(0, 0).ToArray(), steps).Observations;
        int g = env.BeliefGroupSize, view = env.ObservationSize - env.NumBeliefs;
        foreach (var next in predicted)
        {
            for (int a = 0; a < 2; a++)
            {
                for (int q = 0; q < env.NumBeliefs / g; q++)
                {
                    var group = next.AsSpan(a * env.ObservationSize + view + q * g, g);
                    Assert.Equal(0f, group[0]);
                    float sum = 0;
                    foreach (var v in group)
                    {
                        Assert.InRange(v, 0f, 1f);
                        sum += v;
                    }
                    Assert.InRange(sum, 0f, 1.0001f);
                }
            }
        }
        var path = PathOf("evidence.safetensors");
        model.Save(path);
        var loaded = PerspectiveWorldModel.Load(path);
        Assert.True(loaded.Config.PredictEvidence);
        Assert.Equal(predicted, loaded.PredictTrajectory(test.Observation(0, 0).ToArray(), steps).Observations);
    }

    [Fact]
    public void CarriedStateChoiceSurvivesSaveAndLoadAndChangesFiltering()
    {
        var env = new SyntheticBoxWorld(numAgents: 2, cells: 5, viewRadius: 1, maxSteps: 8, observeMemory: false);
        var test = new DataCollector(env).Collect(4, CollectionPolicy.Mixed, seed: 5);
        EvaluationResult Evaluate(PerspectiveWorldModel m) => new WorldModelTrainer(m, new TrainerConfig { Filtering = true }).Evaluate(test);
        var config = new WorldModelConfig(env.ObservationSize, env.NumActions, 16, 2, env.NumBeliefs, 1, 2, Seed: 3, Recurrent: true, CarryEncoderState: true);
        var model = new PerspectiveWorldModel(config);
        var path = PathOf("carry.safetensors");
        model.Save(path);
        var loaded = PerspectiveWorldModel.Load(path);
        Assert.True(loaded.Config.CarryEncoderState);
        Assert.Equal(Evaluate(model).StateMse, Evaluate(loaded).StateMse);
        // the same weights carrying the latent after the dynamics network instead predict differently
        var other = new PerspectiveWorldModel(config with { CarryEncoderState = false });
        Assert.NotEqual(Evaluate(model).StateMse, Evaluate(other).StateMse);
    }

    [Fact]
    public void FileIsStandardSafetensors()
    {
        var model = Model();
        var path = PathOf("m.safetensors");
        model.Save(path);
        var bytes = File.ReadAllBytes(path);
        var headerLen = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, headerLen));
        var w = doc.RootElement.GetProperty("encoder.input.weight");
        Assert.Equal("F32", w.GetProperty("dtype").GetString());
        Assert.Equal([5, 16], w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        long end = doc.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__")
            .Max(p => p.Value.GetProperty("data_offsets")[1].GetInt64());
        Assert.Equal(bytes.Length - 8 - headerLen, end);
        Assert.Equal(model.ParameterCount * 4, end);
    }

    [Fact]
    public void TruncatedCheckpointIsRefused()
    {
        var path = PathOf("m.safetensors");
        Model().Save(path);
        var bytes = File.ReadAllBytes(path);
        foreach (var keep in new[] { 3, 20, bytes.Length - 4 })
        {
            File.WriteAllBytes(path, bytes[..keep]);
            var ex = Assert.Throws<InvalidModelFileException>(() => PerspectiveWorldModel.Load(path));
            Assert.Contains(path, ex.Message);
        }
    }

    [Fact]
    public void CorruptedDataIsRefusedByTheChecksum()
    {
        var path = PathOf("m.safetensors");
        Model().Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidModelFileException>(() => PerspectiveWorldModel.Load(path));
        Assert.Contains("corrupted", ex.Message);
    }

    [Fact]
    public void ShapeMismatchNamesTheTensor()
    {
        var path = PathOf("m.safetensors");
        Model(hidden: 16).Save(path);
        var (_, tensors) = Checkpoint.Read(path);
        var other = Model(hidden: 8);
        var ex = Assert.Throws<InvalidModelFileException>(() => Checkpoint.CopyInto(path, tensors, other.Parameters));
        Assert.Contains("encoder.input.weight", ex.Message);
        Assert.Contains("[5, 16]", ex.Message);
        tensors.Remove("decoder.fc2.bias");
        var ex2 = Assert.Throws<InvalidModelFileException>(() => Checkpoint.CopyInto(path, tensors, Model(hidden: 16).Parameters));
        Assert.Contains("missing tensors: decoder.fc2.bias", ex2.Message);
    }

    [Fact]
    public void GarbageIsRefused()
    {
        var path = PathOf("g.safetensors");
        File.WriteAllBytes(path, [16, 0, 0, 0, 0, 0, 0, 0, .. "{not json at all"u8.ToArray()]);
        Assert.Throws<InvalidModelFileException>(() => PerspectiveWorldModel.Load(path));
        Assert.Throws<InvalidModelFileException>(() => PerspectiveWorldModel.Load(PathOf("missing.safetensors")));
    }

    [Fact]
    public void FailedSaveLeavesThePreviousCheckpointIntact()
    {
        var path = PathOf("m.safetensors");
        Model(seed: 1).Save(path);
        var before = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]);
            throw new InvalidOperationException("crash during save");
        }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.FullName));
    }
}
