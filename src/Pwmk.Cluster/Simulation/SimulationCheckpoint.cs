using System.Collections.Concurrent;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cluster.Simulation;

/// <summary>
/// A simulation grain's resumable state as of the end of a finished episode: the counters, the chart histories, and the
/// world model checkpoint with its trainer's state (AdamW moments, step count, shuffling generator), each the bytes of the
/// safetensors file the server's state directory holds (<c>world-model-*.safetensors</c>). It goes to the cluster's grain
/// storage (Redis, or the local cluster's state folder), so a simulation re-activated on another member trains on.
/// </summary>
[GenerateSerializer, Immutable, Alias("pwmk.simulation-checkpoint")]
public sealed record SimulationCheckpoint(
    [property: Id(0)] int Episode,
    [property: Id(1)] long Steps,
    [property: Id(2)] MetricPoint[] Rewards,
    [property: Id(3)] MetricPoint[] TrainingLoss,
    [property: Id(4)] MetricPoint[] PredictionError,
    [property: Id(5)] byte[]? Model,
    [property: Id(6)] byte[]? Optimizer)
{
    /// <summary>Bytes the checkpoint carries (model and optimiser).</summary>
    public long ModelBytes => (Model?.LongLength ?? 0) + (Optimizer?.LongLength ?? 0);

    /// <summary>Takes <paramref name="run"/>'s state; call it on the simulation's thread (after an episode), where the model is not training.</summary>
    public static SimulationCheckpoint Capture(SimulationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var model = run.Runner.WorldModel.Model;
        var trainer = model is null ? null : run.Runner.WorldModel.Trainer;
        return new SimulationCheckpoint(run.Episode, run.Runner.FinishedSteps, run.Rewards.Snapshot(), run.TrainingLoss.Snapshot(),
            run.PredictionError.Snapshot(), model is null ? null : FileBytes(model.Save), trainer is null ? null : FileBytes(trainer.SaveState));
    }

    /// <summary>
    /// Resumes <paramref name="run"/> (before it starts) from this state. A model of other sizes than the simulation's, or
    /// bytes that are not a checkpoint, are refused: the run then resumes its episodes with no model, and the reason is returned.
    /// </summary>
    public string? RestoreInto(SimulationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        PerspectiveWorldModel? model = null;
        WorldModelTrainer? trainer = null;
        string? refused = null;
        if (Model is not null)
        {
            try
            {
                model = FromFile(Model, PerspectiveWorldModel.Load);
                var expected = run.ExpectedModelConfig();
                if (model.Config != expected) throw new InvalidModelFileException($"the checkpoint's model sizes {model.Config} do not match the simulation's {expected}");
                if (Optimizer is not null)
                {
                    trainer = run.NewTrainer(model);
                    FromFile(Optimizer, path =>
                    {
                        trainer.LoadState(path);
                        return 0;
                    });
                }
            }
            catch (Exception e) when (e is InvalidModelFileException or IOException or InvalidDataException or ArgumentException)
            {
                refused = e.Message;
                model = null;
                trainer = null;
            }
        }
        run.Resume(Episode, Steps, Rewards, TrainingLoss, PredictionError, model, trainer, Episode);
        return refused;
    }

    private static byte[] FileBytes(Action<string> save)
    {
        string path = TempPath();
        try
        {
            save(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static T FromFile<T>(byte[] bytes, Func<string, T> load)
    {
        string path = TempPath();
        try
        {
            File.WriteAllBytes(path, bytes);
            return load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // the world model reads and writes safetensors files only: the bytes pass through a private temporary file
    private static string TempPath() => Path.Combine(Path.GetTempPath(), "pwmk-checkpoint-" + Guid.NewGuid().ToString("N") + ".safetensors");
}

/// <summary>
/// The simulation runs whose grain activations live on this member, so the API answers about them (timeline, render,
/// agents, planning) on the run itself, without a grain call; a simulation on another member is reached through its grain.
/// </summary>
public sealed class LocalSimulations
{
    internal LocalSimulations(Task siloActive, IEnumerable<string>? held = null)
    {
        SiloActive = siloActive;
        _held = [.. held ?? []];
    }

    private readonly HashSet<string> _held;

    /// <summary>
    /// True when an activation of <paramref name="id"/> on this member may start its loop: not while the member shuts down
    /// (<see cref="Closing"/>), never for a simulation it holds (listed, stopped).
    /// </summary>
    internal bool MayStart(string id) => !Closing && !_held.Contains(id);

    /// <summary>Completes once this member's silo is active (grain calls made before wait for it).</summary>
    public Task SiloActive { get; }

    private readonly ConcurrentDictionary<string, SimulationRun> _runs = new(StringComparer.Ordinal);

    /// <summary>The run of <paramref name="id"/> when its activation is on this member.</summary>
    public SimulationRun? Find(string id) => _runs.TryGetValue(id, out var r) ? r : null;

    /// <summary>The runs on this member.</summary>
    public IReadOnlyCollection<SimulationRun> All => [.. _runs.Values];

    internal void Add(SimulationRun run) => _runs[run.Id] = run;

    internal void Remove(SimulationRun run) => _runs.TryRemove(new KeyValuePair<string, SimulationRun>(run.Id, run));

    /// <summary>Set when the member shuts down gracefully: an activation made after that does not start its loop.</summary>
    public bool Closing { get; set; }
}
