using System.CommandLine;
using System.Diagnostics;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk train</c>: collect episodes, train the perspective world model, report held-out metrics.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var env = WorldModelCommand.EnvOption();
        var agents = new Option<int>("--agents") { Description = "Number of agents", DefaultValueFactory = _ => 3 };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to collect (80% train, 10% validation, 10% held out)", DefaultValueFactory = _ => 200 };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs (early stopping may end sooner)", DefaultValueFactory = _ => 20 };
        var hidden = new Option<int>("--hidden") { Description = "Latent width", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "Transformer blocks", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var lr = new Option<float>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 2e-3f };
        var horizon = new Option<int>("--horizon") { Description = "Prediction horizon (steps rolled out in latent space)", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var recurrent = new Option<bool>("--recurrent") { Description = "Carry a belief state across steps and train on whole episodes (for beliefs that depend on history)" };
        var carryEncoder = new Option<bool>("--carry-encoder-state") { Description = "With --recurrent: carry the gated encoder state across steps instead of the latent after the dynamics network" };
        var noMemory = new Option<bool>("--hide-memory") { Description = "synthetic-box: leave the agents' remembered box cell out of their observations" };
        var policy = WorldModelCommand.PolicyOption();
        var beliefWeight = new Option<float>("--belief-weight") { Description = "Weight of the belief loss next to the observation loss", DefaultValueFactory = _ => 1f };
        var output = new Option<string?>("--out") { Description = "Directory for model.safetensors (best checkpoint) and trajectories.npz" };
        var format = WorldModelCommand.FormatOption();
        var cmd = new Command("train", "Train the perspective world model on collected episodes and report held-out metrics")
        {
            env, agents, episodes, epochs, hidden, layers, batch, lr, horizon, seed, recurrent, carryEncoder, noMemory, policy, beliefWeight, output, format,
        };
        cmd.SetAction(p => WorldModelCommand.Guard(() =>
        {
            bool json = WorldModelCommand.IsJson(p.GetValue(format)!);
            int n = WorldModelCommand.CheckCount(p.GetValue(agents), "--agents", 64);
            int total = WorldModelCommand.CheckCount(p.GetValue(episodes), "--episodes", 100_000);
            if (total < 3)
            {
                throw new ArgumentException("--episodes must be at least 3 (train, validation and held-out episodes)");
            }
            int maxEpochs = WorldModelCommand.CheckCount(p.GetValue(epochs), "--epochs", 10_000);
            var environment = WorldModelCommand.CreateEnvironment(p.GetValue(env)!, n, p.GetValue(noMemory));
            bool rec = p.GetValue(recurrent);
            var data = new DataCollector(environment).Collect(total, WorldModelCommand.ParsePolicy(p.GetValue(policy)!), seed: p.GetValue(seed));
            int nTest = Math.Max(1, total / 10), nVal = Math.Max(1, total / 10), nTrain = total - nTest - nVal;
            var train = data.Slice(0, nTrain);
            var val = data.Slice(nTrain, nVal);
            var test = data.Slice(nTrain + nVal, nTest);
            var dir = p.GetValue(output);
            string? checkpoint = null;
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
                data.Save(Path.Combine(dir, "trajectories.npz"));
                checkpoint = Path.Combine(dir, "model.safetensors");
            }
            var config = new WorldModelConfig(environment.ObservationSize, environment.NumActions,
                WorldModelCommand.CheckCount(p.GetValue(hidden), "--hidden", 4096), n, environment.NumBeliefs,
                WorldModelCommand.CheckCount(p.GetValue(layers), "--layers", 64), 4, (ulong)p.GetValue(seed), Recurrent: rec, BeliefGroupSize: environment.BeliefGroupSize,
                CarryEncoderState: rec && p.GetValue(carryEncoder));
            var model = new PerspectiveWorldModel(config);
            var trainer = new WorldModelTrainer(model, new TrainerConfig
            {
                BatchSize = WorldModelCommand.CheckCount(p.GetValue(batch), "--batch-size", 65536),
                LearningRate = p.GetValue(lr),
                BeliefLossWeight = p.GetValue(beliefWeight),
                PredictionHorizon = rec ? environment.MaxSteps : WorldModelCommand.CheckCount(p.GetValue(horizon), "--horizon", environment.MaxSteps),
                Filtering = rec,
                CheckpointPath = checkpoint,
                Seed = (ulong)p.GetValue(seed),
            });
            var progress = new ProgressBar(maxEpochs);
            var fit = trainer.Fit(train, val, maxEpochs, new TrainingCallbacks(progress.OnBatch, progress.OnEpoch));
            progress.Done();
            var metrics = WorldModelCommand.Metrics(trainer.Evaluate(test, majorityFrom: train));
            metrics["train_samples_per_second"] = WorldModelCommand.Num(fit.TrainSamplesPerSecond);
            metrics["inference_p95_ms_batch32"] = WorldModelCommand.Num(InferenceP95(model, test));
            metrics["epochs"] = fit.History.Count;
            metrics["best_epoch"] = fit.BestEpoch;
            metrics["stopped_early"] = fit.StoppedEarly;
            if (checkpoint is not null)
            {
                metrics["checkpoint"] = checkpoint;
            }
            WorldModelCommand.Print(metrics, json);
            return Program.Ok;
        }));
        return cmd;
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
            double done = (r.Epoch + (r.Batch + 1.0) / r.BatchesPerEpoch) / epochs;
            var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds * (1 - done) / Math.Max(done, 1e-9));
            int width = 24, filled = (int)(done * width);
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] epoch {r.Epoch + 1}/{epochs} loss {r.Loss:F4} {r.SamplesPerSecond:F0} samples/s ETA {eta:mm\\:ss}   ");
        }

        public void OnEpoch(EpochReport r)
        {
            if (interactive)
            {
                Console.Error.Write('\r');
            }
            Console.Error.WriteLine($"epoch {r.Epoch + 1}/{epochs}: train loss {r.TrainLoss:F5}, validation loss {r.ValidationLoss:F5}{(r.Improved ? " (best)" : "")}");
        }

        public void Done() => clock.Stop();
    }
}
