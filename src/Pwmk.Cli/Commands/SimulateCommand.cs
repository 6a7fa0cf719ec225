using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pwmk.Core.Simulation;

namespace Pwmk.Cli.Commands;

/// <summary>
/// <c>pwmk simulate</c>: runs episodes offline with the simulation core the server runs (<see cref="EpisodeRunner"/>: ToM
/// agents acting on their nested beliefs, read from an in-memory belief store; world model trained online after each
/// episode), without a server.
/// Progress on stderr (episodes/s, reward), a summary on stdout (text or JSON).
/// Exit 0: all episodes ran (or some did before --max-seconds / Ctrl+C); 1: no episode finished; 2: bad option or failure.
/// </summary>
internal static class SimulateCommand
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var env = new Option<string>("--env") { Description = "Environment: box-world, hide-and-seek or rooms", DefaultValueFactory = _ => "box-world" };
        var agents = new Option<int>("--agents") { Description = "Number of agents (1..16; hide-and-seek at least 2: half hiders, half seekers)", DefaultValueFactory = _ => 2 };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to run (1..1000000)", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of layouts and agent choices", DefaultValueFactory = _ => 0 };
        var depth = new Option<int>("--tom-depth") { Description = "Nesting depth of the agents' beliefs (1..6)", DefaultValueFactory = _ => 2 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Longest episode in steps (the environment may end it sooner)", DefaultValueFactory = _ => 200 };
        var noTrain = new Option<bool>("--no-train") { Description = "Do not train the world model after each episode" };
        var planner = new Option<string>("--planner")
        {
            Description = "What the agents plan with: simulator (a copy of the true environment) or learned (the online world model's imagined rollouts)",
            DefaultValueFactory = _ => SimulationSettings.SimulatorPlanner,
        };
        var maxSeconds = new Option<double>("--max-seconds") { Description = "Stop after this long (0: no limit); the episodes finished by then are reported", DefaultValueFactory = _ => 0 };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var cluster = new Option<string?>("--cluster")
        {
            Description = "Spread the episodes over the members of the cluster whose membership is in Redis: redis://HOST:PORT (episodes run without online training; --planner learned plans with --model)",
        };
        var model = new Option<string?>("--model")
        {
            Description = "Start from this world model (a safetensors file, e.g. written by --save-model): the learned planner plans with it; with --cluster every worker is sent it (needed by --planner learned, not trained)",
        };
        var saveModel = new Option<string?>("--save-model") { Description = "Write the online world model to this file at the end (safetensors; --model reads it)" };
        var workers = new Option<int>("--workers-per-member") { Description = "With --cluster: episodes each member runs at once (1..64)", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out")
        {
            Description = "Write the episodes' trajectories with belief targets to this folder as they end (simulation.json and shards trajectories-NNNNNN.npz, for pwmk train --data)",
        };
        var cmd = new Command("simulate", "Run episodes offline: ToM agents in an environment, world model trained online; progress with episodes/s and reward")
        {
            env, agents, episodes, seed, depth, maxSteps, noTrain, planner, maxSeconds, format, cluster, workers, output, model, saveModel,
        };
        cmd.SetAction((r, ct) =>
        {
            var settings = new SimulationSettings(r.GetValue(env)!, r.GetValue(agents), r.GetValue(depth), r.GetValue(seed), r.GetValue(episodes),
                StepDelayMs: 0, Train: !r.GetValue(noTrain), MaxStepsPerEpisode: r.GetValue(maxSteps))
            { Planner = r.GetValue(planner)! };
            var stderr = r.InvocationConfiguration.Error;
            if (r.GetValue(cluster) is not { } c)
                return RunAsync(r.InvocationConfiguration.Output, stderr, settings, r.GetValue(maxSeconds), r.GetValue(format)!, ct, r.GetValue(output),
                    r.GetValue(model), r.GetValue(saveModel));
            string? problem = CheckCommon(settings, r.GetValue(format)!);
            var target = Pwmk.Cluster.ClusterSettings.Parse(c, null, null, out var clusterProblem);
            problem ??= target is null ? "--cluster: " + clusterProblem : null;
            if (problem is null && target!.IsLocal) problem = "--cluster: expected redis://HOST:PORT (a local cluster lives inside one pwmk serve; run the episodes without --cluster)";
            if (problem is null && r.GetValue(workers) is < 1 or > 64) problem = $"--workers-per-member: expected 1..64, got {r.GetValue(workers)}";
            problem ??= CheckLimit(r.GetValue(maxSeconds));
            problem ??= CheckOut(settings, r.GetValue(output));
            if (problem is null && r.GetValue(saveModel) is not null)
                problem = "--save-model: rollout workers do not train a world model (train one in one process: pwmk simulate --save-model FILE)";
            if (problem is null && settings.Planner == SimulationSettings.LearnedPlanner && r.GetValue(model) is null)
                problem = "--planner learned with --cluster needs --model FILE: rollout workers do not train, they plan with the world model you give them (write one with pwmk simulate --save-model FILE)";
            if (problem is null && settings.Planner != SimulationSettings.LearnedPlanner && r.GetValue(model) is not null)
                problem = "--model: with --cluster the workers plan with it only under --planner learned";
            byte[]? bytes = null;
            if (problem is null && r.GetValue(model) is { } path) problem = CheckModel(path, settings, out bytes, out _);
            if (problem is not null)
            {
                stderr.WriteLine("pwmk simulate: " + problem);
                return Task.FromResult(Program.BadInput);
            }
            return ClusterSimulate.RunAsync(r.InvocationConfiguration.Output, stderr, settings, target!, r.GetValue(workers), r.GetValue(maxSeconds),
                r.GetValue(output), r.GetValue(format)!, ct, bytes);
        });
        return cmd;
    }

    /// <summary>
    /// Reads <c>--model</c>'s file and checks it is a world model of the sizes the simulation's world model has: its bytes
    /// and the model, or the problem naming the flag.
    /// </summary>
    private static string? CheckModel(string path, SimulationSettings p, out byte[]? bytes, out Pwmk.Core.WorldModel.PerspectiveWorldModel? model)
    {
        bytes = null;
        model = null;
        if (p.Validate() is not null) return null;
        try
        {
            bytes = File.ReadAllBytes(path);
            model = Pwmk.Cluster.Simulation.RolloutModels.Read(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException
            or Pwmk.Core.WorldModel.InvalidModelFileException)
        {
            return $"--model {path}: {e.Message}";
        }
        return Pwmk.Cluster.Simulation.RolloutModels.Use(new EpisodeRunner(p with { Train = false }), model) is { } refused ? $"--model {path}: {refused}" : null;
    }

    /// <summary>The writer of <c>--out</c> (null without it); false, the problem on stderr, when the folder cannot be written.</summary>
    internal static bool TryOpenOut(string? outDir, SimulationSettings p, TextWriter stderr, out TrajectoryWriter? writer)
    {
        writer = null;
        try
        {
            writer = outDir is null ? null : new TrajectoryWriter(outDir, p);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"pwmk simulate: --out {outDir}: {e.Message}");
            return false;
        }
    }

    /// <summary>Closes the folder of <c>--out</c>: <paramref name="written"/> its path when it holds episodes; false, on stderr, when it cannot be written.</summary>
    internal static bool TryCloseOut(TrajectoryWriter? writer, TextWriter stderr, out string? written)
    {
        written = null;
        if (writer is null) return true;
        try
        {
            writer.Complete();
            written = writer.Episodes > 0 ? writer.Folder : null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"pwmk simulate: --out {writer.Folder}: {e.Message}");
            return false;
        }
    }

    private static string? CheckLimit(double maxSeconds) =>
        maxSeconds < 0 || double.IsNaN(maxSeconds) || maxSeconds > 7 * 86400 ? $"--max-seconds: expected 0..604800, got {maxSeconds}" : null;

    /// <summary>A problem with <c>--out</c>: an environment whose beliefs the world model does not encode records no trajectories.</summary>
    private static string? CheckOut(SimulationSettings p, string? dir)
    {
        if (dir is null || p.Validate() is not null) return null;
        if (dir.Length == 0) return "--out: expected a folder";
        if (File.Exists(dir)) return $"--out: {dir} is a file; expected a folder";
        return new EpisodeRunner(p with { Train = false }).WorldModel.PredictsBeliefs ? null
            : $"--out: a {p.Env} simulation of {p.Agents} agents at ToM depth {p.TomDepth} records no belief trajectories (its beliefs exceed {OnlineWorldModel.MaxBeliefValues} values per agent)";
    }

    /// <summary>The first problem with the settings or the format, naming the flag, or null.</summary>
    private static string? CheckCommon(SimulationSettings p, string format)
    {
        string? problem = p.Episodes == 0 ? "--episodes: expected 1..1000000, got 0" : FlagNamed(p.Validate());
        if (problem is null && format is not ("text" or "json")) problem = $"--format: expected text or json, got '{format}'";
        return problem;
    }

    // the settings name their fields as the API's JSON does; this command's flags name them so
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        ["env"] = "--env",
        ["agents"] = "--agents",
        ["tomDepth"] = "--tom-depth",
        ["episodes"] = "--episodes",
        ["maxStepsPerEpisode"] = "--max-steps",
        ["planner"] = "--planner",
    };

    /// <summary>A settings problem (<c>tomDepth: expected 1..6, got 9</c>) with the flag's name instead of the field's.</summary>
    private static string? FlagNamed(string? problem)
    {
        if (problem is null) return null;
        int colon = problem.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && s_flags.TryGetValue(problem[..colon], out var flag) ? flag + problem[colon..] : problem;
    }

    internal sealed record Summary(string Env, int Agents, int TomDepth, int Seed, int EpisodesAsked, int Episodes, long Steps,
        double Seconds, double EpisodesPerSecond, double StepsPerSecond, double? MeanReward, double? MinReward, double? MaxReward,
        double? LastTrainingLoss, string Status, IReadOnlyList<double> Rewards, long Claims, long Lies, IReadOnlyList<SaidClaim> RecentClaims)
    {
        /// <summary>What the agents planned with (simulator or learned).</summary>
        public string Planner { get; init; } = SimulationSettings.SimulatorPlanner;

        /// <summary>Episodes an agent's task ended (not the step limit).</summary>
        public int Successes { get; init; }

        /// <summary>Decisions taken from a plan, and left to the heuristic.</summary>
        public int PlannedDecisions { get; init; }

        /// <inheritdoc cref="PlannedDecisions"/>
        public int HeuristicDecisions { get; init; }

        /// <summary>Distinct goals the agents set out to reach, over all episodes, and those that then held in the world.</summary>
        public int GoalsPursued { get; init; }

        /// <inheritdoc cref="GoalsPursued"/>
        public int GoalsReached { get; init; }

        /// <summary>Per episode: [goals pursued, goals reached, 1 when a task ended it].</summary>
        public IReadOnlyList<int[]> EpisodeGoals { get; init; } = [];

        /// <summary>The folder the trajectories were written to (null: not asked).</summary>
        public string? Trajectories { get; init; }

        /// <summary>The world model it started from (<c>--model</c>, the digest of its file), and the file the model was saved to (<c>--save-model</c>).</summary>
        public string? Model { get; init; }

        /// <inheritdoc cref="Model"/>
        public string? SavedModel { get; init; }
    }

    internal static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, SimulationSettings p, double maxSeconds, string format, CancellationToken ct,
        string? outDir = null, string? modelPath = null, string? saveModel = null)
    {
        string? problem = CheckCommon(p, format) ?? CheckLimit(maxSeconds) ?? CheckOut(p, outDir);
        byte[]? modelBytes = null;
        Pwmk.Core.WorldModel.PerspectiveWorldModel? model = null;
        if (problem is null && modelPath is not null) problem = CheckModel(modelPath, p, out modelBytes, out model);
        if (problem is null && saveModel is not null && !p.Train) problem = "--save-model: --no-train trains no world model to save";
        if (problem is not null)
        {
            stderr.WriteLine("pwmk simulate: " + problem);
            return Program.BadInput;
        }
        var rewards = new List<double>();
        double? lastLoss = null;
        int successes = 0, planned = 0, fellBack = 0, pursued = 0, reached = 0;
        var episodeGoals = new List<int[]>();
        if (!TryOpenOut(outDir, p, stderr, out var writer)) return Program.BadInput;
        using var closing = writer;
        Exception? writeFailure = null;
        using var limit = maxSeconds > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds)) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        var runner = new EpisodeRunner(p) { Name = "offline" };
        if (model is not null) Pwmk.Cluster.Simulation.RolloutModels.Use(runner, model); // checked above: it fits
        runner.EpisodeCompleted += e =>
        {
            lock (rewards)
            {
                rewards.Add(e.Reward);
                if (e.TrainingLoss is { } l) lastLoss = l;
                if (e.Success) successes++;
                planned += e.PlannedDecisions;
                fellBack += e.HeuristicDecisions;
                pursued += e.GoalsPursued;
                reached += e.GoalsReached;
                episodeGoals.Add([e.GoalsPursued, e.GoalsReached, e.Success ? 1 : 0]);
            }
            // written as it ends (the writer holds one shard at most); a write that fails stops the run
            if (writer is not null && writeFailure is null && runner.WorldModel.EpisodeTrajectory() is { } d)
            {
                try
                {
                    writer.Add(e.Episode, d);
                }
                catch (Exception x) when (x is IOException or UnauthorizedAccessException)
                {
                    writeFailure = x;
                    stop.Cancel();
                }
            }
        };
        var progress = ProgressLine.For(stderr, format != "text");
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => runner.RunAsync(stop.Token), CancellationToken.None);
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(200, CancellationToken.None)).ConfigureAwait(false);
            double last, mean;
            int count;
            lock (rewards)
            {
                count = rewards.Count;
                last = count > 0 ? rewards[^1] : 0;
                mean = count > 0 ? rewards.Average() : 0;
            }
            progress.Draw(count, p.Episodes, string.Create(CultureInfo.InvariantCulture,
                $"{count / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F2} episodes/s  reward {last:F2} (mean {mean:F2})  {runner.TotalSteps} steps"), force: true);
        }
        clock.Stop();
        progress.Clear();
        try
        {
            await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopped by --max-seconds or Ctrl+C: the finished episodes are reported
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            stderr.WriteLine($"pwmk simulate: the simulation failed after {runner.Episode} episodes: {e.Message}");
            return Program.BadInput;
        }
        double[] rs;
        lock (rewards) rs = [.. rewards];
        if (writeFailure is not null)
        {
            stderr.WriteLine($"pwmk simulate: --out {outDir}: {writeFailure.Message} (the episodes written before are in the folder, marked incomplete)");
            return Program.BadInput;
        }
        if (!TryCloseOut(writer, stderr, out var written)) return Program.BadInput;
        if (saveModel is not null)
        {
            try
            {
                if (!runner.WorldModel.Inspect(m =>
                {
                    if (m is null) return false;
                    // written whole or not at all: a temporary file renamed over the old one
                    string tmp = saveModel + ".tmp";
                    m.Save(tmp);
                    File.Move(tmp, saveModel, overwrite: true);
                    return true;
                }))
                    stderr.WriteLine("pwmk simulate: --save-model: no world model was trained (no episode took a step); nothing written");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"pwmk simulate: --save-model {saveModel}: {e.Message}");
                return Program.BadInput;
            }
        }
        double secs = clock.Elapsed.TotalSeconds;
        long steps = runner.FinishedSteps;
        var s = new Summary(p.Env, runner.AgentNames.Count, p.TomDepth, p.Seed, p.Episodes, rs.Length, steps, secs,
            rs.Length / secs, steps / secs, rs.Length > 0 ? rs.Average() : null, rs.Length > 0 ? rs.Min() : null,
            rs.Length > 0 ? rs.Max() : null, lastLoss,
            rs.Length == p.Episodes ? "completed" : limit.IsCancellationRequested ? "time limit" : "interrupted", rs,
            runner.Claims, runner.Lies, runner.RecentClaims())
        {
            Planner = p.Planner,
            Successes = successes,
            PlannedDecisions = planned,
            HeuristicDecisions = fellBack,
            GoalsPursued = pursued,
            GoalsReached = reached,
            EpisodeGoals = episodeGoals,
            Trajectories = written,
            Model = modelBytes is null ? null : Pwmk.Cluster.Simulation.RolloutModels.Digest(modelBytes),
            SavedModel = saveModel is not null && File.Exists(saveModel) ? saveModel : null,
        };
        if (format == "json")
        {
            stdout.WriteLine(JsonSerializer.Serialize(s, s_json));
        }
        else
        {
            var inv = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Format(inv, "{0}: {1} agents, ToM depth {2}, seed {3}", s.Env, s.Agents, s.TomDepth, s.Seed));
            stdout.WriteLine(string.Format(inv, "episodes  {0} of {1} ({2})", s.Episodes, s.EpisodesAsked, s.Status));
            stdout.WriteLine(string.Format(inv, "steps     {0}", s.Steps));
            stdout.WriteLine(string.Format(inv, "time      {0:F2} s: {1:F2} episodes/s, {2:F0} steps/s", s.Seconds, s.EpisodesPerSecond, s.StepsPerSecond));
            if (rs.Length > 0) stdout.WriteLine(string.Format(inv, "reward    mean {0:F3}, min {1:F3}, max {2:F3}", s.MeanReward, s.MinReward, s.MaxReward));
            stdout.WriteLine(string.Format(inv, "planner   {0}: {1} decisions planned, {2} heuristic; {3} of {4} goals reached; {5} episodes ended by a task",
                s.Planner, s.PlannedDecisions, s.HeuristicDecisions, s.GoalsReached, s.GoalsPursued, s.Successes));
            if (s.Claims > 0) stdout.WriteLine(string.Format(inv, "claims    {0} ({1} false)", s.Claims, s.Lies));
            if (s.LastTrainingLoss is { } l) stdout.WriteLine(string.Format(inv, "world-model training loss (last episode) {0:F5}", l));
            if (written is not null) stdout.WriteLine($"trajectories {written} (pwmk train --data reads them)");
            if (s.Model is not null) stdout.WriteLine($"world model started from {modelPath} ({s.Model})");
            if (s.SavedModel is not null) stdout.WriteLine($"world model saved to {s.SavedModel} (--model reads it)");
        }
        if (rs.Length == 0)
        {
            stderr.WriteLine($"pwmk simulate: no episode finished ({s.Status})");
            return Program.NoResult;
        }
        return Program.Ok;
    }
}
