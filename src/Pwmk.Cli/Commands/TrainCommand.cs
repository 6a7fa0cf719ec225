using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk train</c>: collect episodes, train the perspective world model, report held-out metrics.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var env = WorldModelCommand.EnvOption();
        var agents = new Option<int>("--agents") { Description = "Number of agents", DefaultValueFactory = _ => 3 };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to collect (80% train, 10% validation, 10% held out)", DefaultValueFactory = _ => 300 };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs (early stopping may end sooner, never before half of them)", DefaultValueFactory = _ => 10 };
        var hidden = new Option<int>("--hidden") { Description = "Latent width", DefaultValueFactory = _ => 128 };
        var layers = new Option<int>("--layers") { Description = "Transformer blocks", DefaultValueFactory = _ => 2 };
        var batch = new Option<int?>("--batch-size") { Description = "Samples (whole episodes for a recurrent model) per optimiser step (default 4; 32 for a one-step model)" };
        var lr = new Option<float?>("--lr") { Description = "Peak learning rate (default 2e-3; warm-up, then cosine decay)" };
        var schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule: cosine or constant", DefaultValueFactory = _ => "cosine" };
        var horizon = new Option<int>("--horizon") { Description = "One-step models: prediction horizon (steps rolled out in latent space)", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var recurrent = new Option<bool>("--recurrent") { Description = "Carry a belief state across steps and train on whole episodes (false: a one-step model)", DefaultValueFactory = _ => true };
        var carryEncoder = new Option<bool>("--carry-encoder-state") { Description = "Recurrent: carry the gated encoder state across steps instead of the latent after the dynamics network", DefaultValueFactory = _ => false };
        var beliefMemory = new Option<bool>("--belief-memory") { Description = "Recurrent: carry the belief logits too, kept or replaced per fluent by a learned gate", DefaultValueFactory = _ => true };
        var jointActions = new Option<bool>("--joint-actions") { Description = "Every agent's token reads the whole joint action", DefaultValueFactory = _ => true };
        var transitions = new Option<bool>("--belief-transitions") { Description = "Recurrent: learned value transitions per action move the believed values", DefaultValueFactory = _ => true };
        var predictEvidence = new Option<bool>("--predict-evidence") { Description = "Recurrent, with evidence: the next evidence is predicted from the beliefs (seen next x believed value), the decoder draws the view", DefaultValueFactory = _ => true };
        var residual = new Option<bool>("--residual") { Description = "Predict the change of the observation rather than the next observation", DefaultValueFactory = _ => true };
        var depth = new Option<int>("--belief-depth") { Description = "box-world, rooms: belief order to learn (1 own beliefs, 2 also about the others' beliefs)", DefaultValueFactory = _ => PerspectiveEnvAdapter.DefaultBeliefDepth };
        var noMemory = new Option<bool>("--hide-memory") { Description = "synthetic-box: leave the agents' remembered box cell out of their observations" };
        var policy = WorldModelCommand.PolicyOption();
        var beliefWeight = new Option<float>("--belief-weight") { Description = "Weight of the belief loss next to the observation loss", DefaultValueFactory = _ => 1f };
        var falseWeight = new Option<float>("--false-belief-weight") { Description = "Weight of the belief loss on false beliefs", DefaultValueFactory = _ => 1f };
        var changeWeight = new Option<float>("--change-weight") { Description = "Weight of the belief loss where a belief changes", DefaultValueFactory = _ => 1f };
        var symmetries = new Option<bool>("--symmetries") { Description = "Relabel each training episode by a random symmetry of the environment when it has some (box-world: agents, boxes, mirrored grid)", DefaultValueFactory = _ => true };
        var normalise = new Option<bool>("--normalise-observation-loss") { Description = "Divide the observation loss by the copy baseline's error", DefaultValueFactory = _ => true };
        var patience = new Option<int?>("--patience") { Description = "Epochs without validation improvement before stopping, never in the first half of the epochs (default 3)" };
        var dataOption = new Option<string?>("--data")
        {
            Description = "Train on these trajectories instead of collecting episodes: a folder written by pwmk simulate --out (its shards in episode order; its environment is read from simulation.json) or by pwmk train --out, or a .npz file (environment from --env and --agents); --episodes is then ignored",
        };
        var window = new Option<int>("--shuffle-window")
        {
            Description = "With --data of a simulate --out folder: steps (an episode of T steps counts T+1) read and shuffled together; a larger folder is read a window of "
                + "whole shards at a time, the windows in a random order each epoch, so memory holds two windows, not the data (0: the whole folder at once)",
            DefaultValueFactory = _ => DefaultShuffleWindow,
        };
        var output = new Option<string?>("--out") { Description = "Directory for model.safetensors (best checkpoint) and, unless --data names a folder, trajectories.npz (the episodes trained on)" };
        var plot = new Option<string?>("--plot") { Description = "Write the loss and accuracy curves per epoch to this SVG file" };
        var planEpisodes = new Option<int>("--plan-episodes") { Description = "rooms: then play this many seeded episodes towards a belief goal, planning with the trained model, with the true simulator and by the heuristic", DefaultValueFactory = _ => 0 };
        var planSimulations = new Option<int>("--plan-simulations") { Description = "Tree-search simulations per step when planning with the trained model", DefaultValueFactory = _ => 200 };
        var planBudget = new Option<int>("--plan-budget") { Description = "Most real steps per planning episode", DefaultValueFactory = _ => 6 };
        var format = WorldModelCommand.FormatOption();
        var cmd = new Command("train", "Train the perspective world model on collected episodes and report held-out metrics")
        {
            env, agents, episodes, epochs, hidden, layers, batch, lr, schedule, horizon, seed, recurrent, carryEncoder, beliefMemory, jointActions, transitions, residual, predictEvidence,
            depth, noMemory, policy, beliefWeight, falseWeight, changeWeight, normalise, symmetries, patience, dataOption, window, output, plot, planEpisodes, planSimulations, planBudget, format,
        };
        cmd.SetAction(p => WorldModelCommand.Guard(() =>
        {
            bool json = WorldModelCommand.IsJson(p.GetValue(format)!);
            int n = WorldModelCommand.CheckCount(p.GetValue(agents), "--agents", 64);
            int total = WorldModelCommand.CheckCount(p.GetValue(episodes), "--episodes", 100_000);
            if (total < 3 && p.GetValue(dataOption) is null)
            {
                throw new ArgumentException("--episodes must be at least 3 (train, validation and held-out episodes)");
            }
            int maxEpochs = WorldModelCommand.CheckCount(p.GetValue(epochs), "--epochs", 10_000);
            if (p.GetValue(lr) is { } rate && !(rate > 0 && rate <= 1))
            {
                throw new ArgumentException($"--lr must be in (0, 1], got {rate}");
            }
            var sched = p.GetValue(schedule) switch
            {
                "cosine" => LearningRateSchedule.Cosine,
                "constant" => LearningRateSchedule.Constant,
                var other => throw new ArgumentException($"--schedule must be cosine or constant, got '{other}'"),
            };
            float Weight(Option<float> o, string name) => p.GetValue(o) is var w && w >= 0 && w <= 1000
                ? w : throw new ArgumentException($"{name} must be in 0..1000, got {p.GetValue(o)}");
            int windowSteps = p.GetValue(window) is var ws && ws >= 0 ? ws : throw new ArgumentException($"--shuffle-window must be 0 or more steps, got {ws}");
            var (environment, given, folder) = Trajectories(p.GetValue(dataOption), windowSteps, p.InvocationConfiguration.Error, () => WorldModelCommand.CreateEnvironment(p.GetValue(env)!, n, p.GetValue(noMemory),
                WorldModelCommand.CheckCount(p.GetValue(depth), "--belief-depth", 3)));
            bool rec = p.GetValue(recurrent);
            var dir = p.GetValue(output);
            var plotFile = p.GetValue(plot);
            int planning = p.GetValue(planEpisodes) is var pe && pe >= 0 && pe <= 100_000 ? pe : throw new ArgumentException($"--plan-episodes must be in 0..100000, got {p.GetValue(planEpisodes)}");
            if (planning > 0 && (environment is not PerspectiveEnvAdapter { Name: "rooms" } || !rec || given is not null))
            {
                throw new ArgumentException("--plan-episodes needs --env rooms, a recurrent model and no --data");
            }
            int simulations = WorldModelCommand.CheckCount(p.GetValue(planSimulations), "--plan-simulations", 100_000);
            int budget = WorldModelCommand.CheckCount(p.GetValue(planBudget), "--plan-budget", 100);
            var collected = given is null ? new DataCollector(environment).Collect(total, WorldModelCommand.ParsePolicy(p.GetValue(policy)!), seed: p.GetValue(seed)) : null;
            var data = given ?? TrajectorySource.Of(collected!);
            total = data.Episodes;
            int nTest = Math.Max(1, total / 10), nVal = Math.Max(1, total / 10), nTrain = total - nTest - nVal;
            var train = data.Range(0, nTrain);
            var val = data.Range(nTrain, nVal);
            var test = data.Range(nTrain + nVal, nTest);
            string? checkpoint = null;
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
                // a folder of trajectories stays where it is (a folder of shards may not fit in memory); episodes collected or read from a file are saved
                if (!folder)
                {
                    data.Window(0).Save(Path.Combine(dir, "trajectories.npz"));
                }
                checkpoint = Path.Combine(dir, "model.safetensors");
            }
            var defaults = WorldModelConfig.ForEnvironment(environment, WorldModelCommand.CheckCount(p.GetValue(hidden), "--hidden", 4096),
                WorldModelCommand.CheckCount(p.GetValue(layers), "--layers", 64), (ulong)p.GetValue(seed));
            bool memory = rec && p.GetValue(beliefMemory);
            var config = defaults with
            {
                Recurrent = rec,
                CarryEncoderState = rec && p.GetValue(carryEncoder),
                BeliefMemory = memory,
                ObservationResidual = p.GetValue(residual),
                JointActions = p.GetValue(jointActions),
                BeliefTransitions = memory && p.GetValue(transitions) && defaults.BeliefTransitions,
                PredictEvidence = memory && p.GetValue(predictEvidence) && defaults.PredictEvidence,
            };
            var model = new PerspectiveWorldModel(config);
            var training = TrainerConfig.ForEnvironment(environment, maxEpochs);
            var trainer = new WorldModelTrainer(model, training with
            {
                BatchSize = WorldModelCommand.CheckCount(p.GetValue(batch) ?? (rec ? training.BatchSize : 32), "--batch-size", 65536),
                LearningRate = p.GetValue(lr) ?? training.LearningRate,
                Schedule = sched,
                BeliefLossWeight = Weight(beliefWeight, "--belief-weight"),
                FalseBeliefWeight = Weight(falseWeight, "--false-belief-weight"),
                BeliefChangeWeight = Weight(changeWeight, "--change-weight"),
                PredictionHorizon = rec ? training.PredictionHorizon : WorldModelCommand.CheckCount(p.GetValue(horizon), "--horizon", environment.MaxSteps),
                Filtering = rec,
                Patience = WorldModelCommand.CheckCount(p.GetValue(patience) ?? training.Patience, "--patience", 10_000),
                NormaliseObservationLoss = p.GetValue(normalise),
                UseSymmetries = p.GetValue(symmetries),
                CheckpointPath = checkpoint,
                Seed = (ulong)p.GetValue(seed),
            });
            var progress = new ProgressBar(maxEpochs);
            var fit = trainer.Fit(train, val, maxEpochs, new TrainingCallbacks(progress.OnBatch, progress.OnEpoch), CancellationToken.None);
            progress.Done();
            var metrics = WorldModelCommand.Metrics(trainer.Evaluate(test, majorityFrom: train));
            metrics["train_samples_per_second"] = WorldModelCommand.Num(fit.TrainSamplesPerSecond);
            metrics["inference_p95_ms_batch32"] = WorldModelCommand.Num(InferenceP95(model, test.Window(0)));
            metrics["windows"] = train.Windows;
            metrics["epochs"] = fit.History.Count;
            metrics["best_epoch"] = fit.BestEpoch;
            metrics["stopped_early"] = fit.StoppedEarly;
            metrics["seconds"] = WorldModelCommand.Num(progress.Seconds);
            metrics["epoch_curve"] = EpochCurve(fit.History);
            if (checkpoint is not null)
            {
                metrics["checkpoint"] = checkpoint;
            }
            if (plotFile is not null)
            {
                TrainingPlot.Write(plotFile, fit.History, $"{environment.Name}, {environment.NumAgents} agents, {nTrain} training episodes");
                metrics["plot"] = plotFile;
            }
            if (planning > 0)
            {
                var adapter = (PerspectiveEnvAdapter)environment;
                var planned = new JsonObject();
                foreach (var mode in Enum.GetValues<PlanningMode>())
                {
                    var r = LearnedPlanning.Compare(adapter, mode, planning, seed: 1_000_000 + p.GetValue(seed), budget, model, simulations);
                    planned[ModeName(mode)] = new JsonObject
                    {
                        ["success_rate"] = WorldModelCommand.Num(r.SuccessRate),
                        ["successes"] = r.Successes,
                        ["episodes"] = r.Episodes,
                        ["mean_steps"] = WorldModelCommand.Num(r.MeanSteps),
                        ["seconds"] = WorldModelCommand.Num(r.Seconds),
                    };
                }
                metrics["planning"] = planned;
            }
            WorldModelCommand.Print(metrics, json);
            return Program.Ok;
        }));
        return cmd;
    }


    /// <summary>Steps of a <c>--data</c> folder read and shuffled together by default: about eight shards.</summary>
    internal const int DefaultShuffleWindow = 32_768;

    /// <summary>
    /// The environment and, with <c>--data</c>, the trajectories to train on: a folder of <c>pwmk simulate --out</c> (the
    /// simulation's environment; its shards are indexed here and read a window of <paramref name="windowSteps"/> at a time
    /// as training goes), of <c>pwmk train --out</c> or a <c>.npz</c> file (the environment of the flags, its sizes checked
    /// against the arrays', read whole). A folder whose run did not finish (a crash) is read as far as it was written, with
    /// a warning on <paramref name="stderr"/>.
    /// </summary>
    private static (IWorldModelEnvironment Environment, TrajectorySource? Data, bool Folder) Trajectories(string? path, int windowSteps, TextWriter stderr,
        Func<IWorldModelEnvironment> fromFlags)
    {
        if (path is null) return (fromFlags(), null, false);
        TrajectorySource data;
        IWorldModelEnvironment environment;
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, Pwmk.Core.Simulation.SimulationTrajectories.SettingsFile)))
        {
            (data, environment) = Pwmk.Core.Simulation.SimulationTrajectories.Open(path, windowSteps);
            if (!Pwmk.Core.Simulation.SimulationTrajectories.Complete(path))
                stderr.WriteLine($"pwmk train: --data {path}: the run that wrote it did not finish ({Pwmk.Core.Simulation.SimulationTrajectories.SettingsFile} says incomplete); training on the {data.Episodes} episodes written before it stopped");
        }
        else
        {
            string file = Directory.Exists(path) ? Path.Combine(path, Pwmk.Core.Simulation.SimulationTrajectories.DataFile) : path;
            if (!File.Exists(file)) throw new ArgumentException($"--data: no {file}");
            var loaded = TrajectoryDataset.Load(file);
            environment = fromFlags();
            if (loaded.Agents != environment.NumAgents || loaded.ObservationSize != environment.ObservationSize || loaded.NumBeliefs != environment.NumBeliefs)
            {
                throw new ArgumentException($"--data: {file} holds {loaded.Agents} agents x {loaded.ObservationSize} values x {loaded.NumBeliefs} beliefs; "
                    + $"--env {environment.Name} with {environment.NumAgents} agents has {environment.NumAgents} x {environment.ObservationSize} x {environment.NumBeliefs}");
            }
            data = TrajectorySource.Of(loaded);
        }
        if (data.Episodes < 3) throw new ArgumentException($"--data: {data.Episodes} episodes; at least 3 are needed (train, validation and held-out episodes)");
        return (environment, data, Directory.Exists(path));
    }

    private static string ModeName(PlanningMode mode) => mode switch
    {
        PlanningMode.LearnedModel => "learned_model",
        PlanningMode.TrueSimulator => "true_simulator",
        _ => "heuristic",
    };

    private static JsonArray EpochCurve(IReadOnlyList<EpochReport> history)
    {
        var curve = new JsonArray();
        foreach (var r in history)
        {
            curve.Add(new JsonObject
            {
                ["epoch"] = r.Epoch,
                ["train_loss"] = WorldModelCommand.Num(r.TrainLoss),
                ["validation_loss"] = WorldModelCommand.Num(r.ValidationLoss),
                ["belief_acc"] = WorldModelCommand.Num(r.Validation?.BeliefAccuracy ?? double.NaN),
                ["false_belief_acc"] = WorldModelCommand.Num(r.Validation?.FalseBeliefAccuracy ?? double.NaN),
                ["state_mse"] = WorldModelCommand.Num(r.Validation?.StateMse ?? double.NaN),
                ["best"] = r.Improved,
            });
        }
        return curve;
    }

    private static double InferenceP95(PerspectiveWorldModel model, TrajectoryDataset test)
    {
        const int Batch = 32;
        var c = model.Config;
        var obs = new float[Batch * c.NumAgents * c.ObsDim];
        var actions = new int[Batch * c.NumAgents];
        for (int i = 0; i < Batch; i++)
        {
            int e = i % test.Episodes;
            test.Observation(e, 0).CopyTo(obs.AsSpan(i * c.NumAgents * c.ObsDim));
        }
        var times = new double[100];
        model.Forward(obs, actions, null, Batch);
        for (int i = 0; i < times.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            model.Forward(obs, actions, null, Batch);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[94];
    }

    /// <summary>One status line on stderr: epoch, batch, loss, samples per second, ETA.</summary>
    private sealed class ProgressBar(int epochs)
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly bool interactive = !Console.IsErrorRedirected;
        private long lastDraw;

        public void OnBatch(BatchReport r)
        {
            if (!interactive || clock.ElapsedMilliseconds - lastDraw < 100)
            {
                return;
            }
            lastDraw = clock.ElapsedMilliseconds;
            double done = (r.Epoch - 1 + (r.Batch + 1.0) / r.BatchesPerEpoch) / epochs;
            var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds * (1 - done) / Math.Max(done, 1e-9));
            int width = 24, filled = (int)(done * width);
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] epoch {r.Epoch}/{epochs} loss {r.Loss:F4} {r.SamplesPerSecond:F0} samples/s ETA {eta:mm\\:ss}   ");
        }

        public void OnEpoch(EpochReport r)
        {
            if (interactive)
            {
                Console.Error.Write('\r');
            }
            string acc = r.Validation is { } v ? $", belief accuracy {v.BeliefAccuracy:F3}, false-belief accuracy {v.FalseBeliefAccuracy:F3}" : "";
            Console.Error.WriteLine($"epoch {r.Epoch}/{epochs}: train loss {r.TrainLoss:F5}, validation loss {r.ValidationLoss:F5}{acc}{(r.Improved ? " (best)" : "")}");
        }

        public double Seconds => clock.Elapsed.TotalSeconds;

        public void Done() => clock.Stop();
    }
}
