using System.Globalization;
using System.CommandLine;
using System.Text.Json.Nodes;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk worldmodel eval|collect</c>: the learned world model's tools.</summary>
internal static class WorldModelCommand
{
    internal static readonly string[] KnownEnvironments = ["synthetic-box", "box-world", "rooms"];

    public static Command Create()
    {
        var cmd = new Command("worldmodel", "The perspective world model: evaluate checkpoints, collect trajectories");
        cmd.Subcommands.Add(Eval());
        cmd.Subcommands.Add(Collect());
        return cmd;
    }

    internal static Option<string> FormatOption() => new("--format") { Description = "Output format: text or json", DefaultValueFactory = _ => "text" };

    internal static Option<string> PolicyOption() => new("--policy") { Description = "How agents act while collecting: random, expert or mixed", DefaultValueFactory = _ => "mixed" };

    internal static CollectionPolicy ParsePolicy(string policy) => policy switch
    {
        "random" => CollectionPolicy.Random,
        "expert" => CollectionPolicy.Expert,
        "mixed" => CollectionPolicy.Mixed,
        var other => throw new ArgumentException($"--policy must be random, expert or mixed, got '{other}'"),
    };

    internal static Option<string> EnvOption() => new("--env") { Description = "Environment: " + string.Join(", ", KnownEnvironments), DefaultValueFactory = _ => "synthetic-box" };

    /// <summary>Builds a known environment, or explains which ones exist.</summary>
    internal static IWorldModelEnvironment CreateEnvironment(string name, int agents, bool hideMemory = false, int beliefDepth = PerspectiveEnvAdapter.DefaultBeliefDepth) => name switch
    {
        "synthetic-box" => new SyntheticBoxWorld(numAgents: agents, observeMemory: !hideMemory),
        "box-world" => PerspectiveEnvAdapter.BoxWorld(agents, beliefDepth: Math.Min(beliefDepth, agents)),
        "rooms" => PerspectiveEnvAdapter.Rooms(agents, beliefDepth: Math.Min(beliefDepth, agents)),
        _ => throw new ArgumentException($"unknown environment '{name}'; known: {string.Join(", ", KnownEnvironments)}"),
    };

    internal static bool IsJson(string format) => format switch
    {
        "json" => true,
        "text" => false,
        _ => throw new ArgumentException($"--format must be text or json, got '{format}'"),
    };

    /// <summary>Runs <paramref name="body"/>, mapping bad input to exit 2 with the message on stderr.</summary>
    internal static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or InvalidModelFileException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Console.Error.WriteLine($"pwmk: {e.Message}");
            return Program.BadInput;
        }
    }

    internal static JsonObject Metrics(EvaluationResult r)
    {
        var byOrder = new JsonObject();
        foreach (var o in r.ByOrder ?? [])
        {
            byOrder[o.Order.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["belief_acc"] = Num(o.BeliefAccuracy),
                ["cases"] = o.Cases,
                ["persistence_baseline_acc"] = Num(o.PersistenceBaselineAccuracy),
                ["false_belief_acc"] = Num(o.FalseBeliefAccuracy),
                ["false_belief_cases"] = o.FalseBeliefCases,
                ["belief_change_acc"] = Num(o.BeliefChangeAccuracy),
                ["belief_change_cases"] = o.BeliefChangeCases,
            };
        }
        return new JsonObject
        {
            ["state_mse"] = Num(r.StateMse),
            ["copy_baseline_mse"] = Num(r.CopyBaselineMse),
            ["belief_acc"] = Num(r.BeliefAccuracy),
            ["majority_baseline_acc"] = Num(r.MajorityBaselineAccuracy),
            ["persistence_baseline_acc"] = Num(r.PersistenceBaselineAccuracy),
            ["false_belief_acc"] = Num(r.FalseBeliefAccuracy),
            ["false_belief_cases"] = r.FalseBeliefCases,
            ["false_belief_majority_acc"] = Num(r.FalseBeliefMajorityAccuracy),
            ["false_belief_persistence_acc"] = Num(r.FalseBeliefPersistenceAccuracy),
            ["belief_change_acc"] = Num(r.BeliefChangeAccuracy),
            ["belief_change_cases"] = r.BeliefChangeCases,
            ["belief_acc_by_order"] = byOrder,
            ["samples"] = r.Samples,
        };
    }

    internal static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(Math.Round(x, 6)) : null;

    internal static void Print(JsonObject result, bool json)
    {
        if (json)
        {
            Console.WriteLine(result.ToJsonString());
            return;
        }
        foreach (var kv in result)
        {
            Console.WriteLine($"{kv.Key,-28} {kv.Value?.ToJsonString() ?? "n/a"}");
        }
    }

    private static Command Eval()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint (.safetensors) written by pwmk train", Required = true };
        var env = EnvOption();
        var data = new Option<string?>("--data") { Description = "Evaluate on this trajectory file (.npz) instead of fresh episodes" };
        var episodes = new Option<int>("--episodes") { Description = "Fresh held-out episodes to collect", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "Seed of the held-out episodes", DefaultValueFactory = _ => 12345 };
        var format = FormatOption();
        var cmd = new Command("eval", "Evaluate a checkpoint on held-out episodes: state MSE, belief accuracy, baselines") { checkpoint, env, data, episodes, seed, format };
        cmd.SetAction(p => Guard(() =>
        {
            bool json = IsJson(p.GetValue(format)!);
            var model = PerspectiveWorldModel.Load(p.GetValue(checkpoint)!);
            var file = p.GetValue(data);
            var progress = ProgressLine.For(Console.Error, json);
            var result = progress.Run("evaluating on held-out episodes", () =>
            {
                var test = file is not null
                    ? TrajectoryDataset.Load(file)
                    : new DataCollector(CreateEnvironment(p.GetValue(env)!, model.Config.NumAgents)).Collect(
                        CheckCount(p.GetValue(episodes), "--episodes"), CollectionPolicy.Mixed, seed: p.GetValue(seed));
                return new WorldModelTrainer(model, new TrainerConfig { Filtering = model.Config.Recurrent }).Evaluate(test);
            });
            Print(Metrics(result), json);
            return Program.Ok;
        }));
        return cmd;
    }

    internal static int CheckCount(int value, string name, int max = 1_000_000) =>
        value >= 1 && value <= max ? value : throw new ArgumentException($"{name} must be in 1..{max}, got {value}");

    private static Command Collect()
    {
        var env = EnvOption();
        var agents = new Option<int>("--agents") { Description = "Number of agents", DefaultValueFactory = _ => 3 };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to collect", DefaultValueFactory = _ => 100 };
        var policy = PolicyOption();
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Trajectory file to write (.npz, NumPy-readable)", Required = true };
        var format = FormatOption();
        var cmd = new Command("collect", "Collect trajectories with belief targets into a NumPy .npz file") { env, agents, episodes, policy, seed, output, format };
        cmd.SetAction(p => Guard(() =>
        {
            bool json = IsJson(p.GetValue(format)!);
            var pol = ParsePolicy(p.GetValue(policy)!);
            var environment = CreateEnvironment(p.GetValue(env)!, CheckCount(p.GetValue(agents), "--agents", 64));
            int n = CheckCount(p.GetValue(episodes), "--episodes");
            var progress = ProgressLine.For(Console.Error, json);
            var data = progress.Run($"collecting {n} episodes", () => new DataCollector(environment).Collect(n, pol, seed: p.GetValue(seed)));
            data.Save(p.GetValue(output)!);
            Print(new JsonObject { ["file"] = p.GetValue(output), ["episodes"] = data.Episodes, ["transitions"] = data.Transitions }, json);
            return Program.Ok;
        }));
        return cmd;
    }
}
