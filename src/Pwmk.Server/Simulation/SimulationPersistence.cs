using Pwmk.Core.WorldModel;
using Pwmk.Server.Persistence;
using Pwmk.Server.Hosting;
using Pwmk.Cluster.Simulation;

namespace Pwmk.Server.Simulation;

/// <summary>
/// Saves the background simulation's state and world model to the state directory (<see cref="SimulationStateFile"/>)
/// after finished episodes, at most once per <see cref="MinInterval"/>, and when it stops; resumes from them at start-up.
/// A state that cannot be trusted (corrupt, truncated, saved for other parameters, checkpoint of other sizes) is refused
/// with a log line saying why, set aside, and the simulation starts fresh.
/// </summary>
internal sealed class SimulationPersistence(string dir, ILogger log, TimeProvider? time = null) : ISimulationCheckpoints
{
    private readonly Lock _lock = new();
    private long _lastSave = long.MinValue;
    private bool _failing;

    /// <summary>Shortest time between two periodic saves (a stop always saves).</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string Directory => dir;

    /// <summary>Resumes <paramref name="run"/> from the saved state when there is one it can trust; returns whether it did.</summary>
    public bool TryResume(SimulationRun run)
    {
        var state = SimulationStateFile.TryRead(dir, out var error);
        if (state is null)
        {
            if (error is not null) Refuse(error);
            return false;
        }
        var mismatch = state.Mismatch(run.Parameters);
        if (mismatch is not null)
        {
            Refuse($"{Path.Combine(dir, SimulationStateFile.FileName)}: {mismatch}");
            return false;
        }
        PerspectiveWorldModel? model = null;
        WorldModelTrainer? trainer = null;
        if (state.ModelFile is not null)
        {
            try
            {
                model = SimulationStateFile.LoadModel(dir, state, run.ExpectedModelConfig());
                if (state.OptimizerFile is not null)
                {
                    trainer = run.NewTrainer(model);
                    SimulationStateFile.LoadOptimizer(dir, state, trainer);
                }
            }
            catch (InvalidModelFileException e)
            {
                Refuse(e.Message);
                return false;
            }
        }
        run.Resume(state.Episode, state.TotalSteps, state.Rewards, state.TrainingLoss, state.PredictionError, model, trainer);
        log.SimulationResumed(Path.Combine(dir, SimulationStateFile.FileName), state.Episode, state.TotalSteps, state.ModelFile ?? "(none yet)");
        return true;
    }

    private void Refuse(string why)
    {
        var aside = SimulationStateFile.SetAside(dir);
        log.SimulationStateRefused(why, aside is null ? "" : "; the file was kept as " + aside);
    }

    /// <summary>Saves <paramref name="run"/>'s state (at most once per <see cref="MinInterval"/> unless <paramref name="force"/>). Never throws on I/O errors: logs them.</summary>
    public void Save(SimulationRun run, bool force)
    {
        lock (_lock)
        {
            var clock = time ?? TimeProvider.System;
            long now = clock.GetTimestamp();
            if (!force && _lastSave != long.MinValue && clock.GetElapsedTime(_lastSave, now) < MinInterval) return;
            _lastSave = now;
            var state = CaptureState(run, out var model, out var trainer);
            try
            {
                SimulationStateFile.Write(dir, state, model is null ? null : model.Save, trainer is null ? null : trainer.SaveState);
                if (_failing) log.SimulationStateSavedAgain(dir);
                _failing = false;
                log.SimulationStateSaved(state.Episode);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!_failing) log.SimulationStateSaveFailed(dir, e.Message);
                _failing = true;
            }
        }
    }

    /// <summary>The state as of the end of the last finished episode; <paramref name="model"/> is the world model to checkpoint with it.</summary>
    internal static SimulationState CaptureState(SimulationRun run, out PerspectiveWorldModel? model, out WorldModelTrainer? trainer)
    {
        var runner = run.Runner;
        var p = run.Parameters;
        model = runner.WorldModel.Model;
        trainer = model is null ? null : runner.WorldModel.Trainer;
        int episode = runner.Episode;
        return new SimulationState
        {
            Env = p.Env,
            Agents = p.Agents,
            TomDepth = p.TomDepth,
            Seed = p.Seed,
            MaxStepsPerEpisode = p.MaxStepsPerEpisode,
            Planner = p.Planner,
            Episode = episode,
            TotalSteps = runner.FinishedSteps,
            Rewards = run.Rewards.Snapshot(),
            TrainingLoss = run.TrainingLoss.Snapshot(),
            PredictionError = run.PredictionError.Snapshot(),
            ModelFile = model is null ? null : SimulationStateFile.ModelFileName(episode),
            ModelConfig = model?.Config,
            OptimizerFile = trainer is null ? null : SimulationStateFile.OptimizerFileName(episode),
            SavedAt = DateTimeOffset.UtcNow,
        };
    }
}
