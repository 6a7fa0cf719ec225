using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk worldmodel eval|collect|bench</c>: the learned world model's tools.</summary>
internal static class WorldModelCommand
{
    internal static readonly string[] KnownEnvironments = ["synthetic-box", "box-world", "rooms"];

    public static Command Create()
    {
        var cmd = new Command("worldmodel", "The perspective world model: evaluate checkpoints, collect trajectories, benchmark against PyTorch");
        cmd.Subcommands.Add(Eval());
        cmd.Subcommands.Add(Collect());
        cmd.Subcommands.Add(Bench());
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
    internal static IWorldModelEnvironment CreateEnvironment(string name, int agents, bool hideMemory = false) => name switch
    {
        "synthetic-box" => new SyntheticBoxWorld(numAgents: agents, observeMemory: !hideMemory),
        "box-world" => PerspectiveEnvAdapter.BoxWorld(agents),
        "rooms" => PerspectiveEnvAdapter.Rooms(agents),
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

    internal static JsonObject Metrics(EvaluationResult r) => new()
    {
        ["state_mse"] = Num(r.StateMse),
        ["copy_baseline_mse"] = Num(r.CopyBaselineMse),
        ["belief_acc"] = Num(r.BeliefAccuracy),
        ["majority_baseline_acc"] = Num(r.MajorityBaselineAccuracy),
        ["false_belief_acc"] = Num(r.FalseBeliefAccuracy),
        ["false_belief_cases"] = r.FalseBeliefCases,
        ["false_belief_majority_acc"] = Num(r.FalseBeliefMajorityAccuracy),
        ["samples"] = r.Samples,
    };

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

    private static Command Bench()
    {
        var threads = new Option<int>("--threads") { Description = "Threads for both PWMK's matmul and PyTorch", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 2 };
        var python = new Option<string>("--python") { Description = "Python with torch (Debian python3-torch)", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--torch-script") { Description = "Path of bench/worldmodel/torch_worldmodel.py (found from the current directory by default)" };
        var noTorch = new Option<bool>("--no-torch") { Description = "Measure PWMK only" };
        var format = FormatOption();
        var cmd = new Command("bench", "Benchmark matmul, training throughput and inference latency against PyTorch on CPU, in one run") { threads, seconds, python, script, noTorch, format };
        cmd.SetAction(p => Guard(() =>
        {
            bool json = IsJson(p.GetValue(format)!);
            int t = CheckCount(p.GetValue(threads), "--threads", 64);
            double s = p.GetValue(seconds);
            if (!(s > 0 && s <= 60))
            {
                throw new ArgumentException($"--seconds must be in (0, 60], got {s}");
            }
            var options = new WorldModelBenchmarkOptions { Threads = t, Seconds = s };
            var progress = ProgressLine.For(Console.Error, json);
            var ours = progress.Run("PWMK: matmul, training and inference", () => WorldModelBenchmark.Run(options));
            var result = new JsonObject
            {
                ["threads"] = ours.Threads,
                ["model"] = JsonSerializer.SerializeToNode(options.Model),
                ["train_batch"] = options.BatchSize,
                ["parameters"] = ours.Parameters,
                ["pwmk"] = new JsonObject
                {
                    ["matmul_gflops"] = Gflops(ours.MatMulGflops),
                    ["train_samples_per_second"] = Num(ours.TrainSamplesPerSecond),
                    ["inference_p50_ms_batch32"] = Num(ours.InferenceP50Ms),
                    ["inference_p95_ms_batch32"] = Num(ours.InferenceP95Ms),
                },
            };
            if (!p.GetValue(noTorch))
            {
                var check = Directory.CreateTempSubdirectory("pwmk-bench-");
                JsonObject torch;
                try
                {
                    WorldModelBenchmark.WriteCrossCheck(options, check.FullName);
                    torch = progress.Run("PyTorch: the same model and measurements", () => RunTorch(p.GetValue(python)!, p.GetValue(script) ?? FindScript(), t, s, check.FullName));
                }
                finally
                {
                    check.Delete(true);
                }
                result["torch"] = torch;
                var ratios = new JsonObject();
                var tm = torch["matmul_gflops"]!.AsObject();
                foreach (var (n, g) in ours.MatMulGflops)
                {
                    var key = n.ToString(CultureInfo.InvariantCulture);
                    if (tm[key] is { } other)
                    {
                        ratios["matmul_" + key] = Num(g / other.GetValue<double>());
                    }
                }
                ratios["train_samples_per_second"] = Num(ours.TrainSamplesPerSecond / torch["train_samples_per_second"]!.GetValue<double>());
                ratios["inference_p95_speedup"] = Num(torch["inference_p95_ms"]!.GetValue<double>() / ours.InferenceP95Ms);
                result["ratio_pwmk_over_torch"] = ratios;
                if (torch["cross_check"] is JsonObject cc)
                {
                    double diff = Math.Max(cc["max_abs_diff_next_observations"]!.GetValue<double>(), cc["max_abs_diff_beliefs"]!.GetValue<double>());
                    result["same_function_max_abs_diff"] = diff;
                    if (!(diff < 1e-3))
                    {
                        Console.Error.WriteLine($"pwmk: warning: the PyTorch twin computes a different function (max abs diff {diff})");
                    }
                }
                if (torch["parameters"]!.GetValue<long>() != ours.Parameters)
                {
                    Console.Error.WriteLine($"pwmk: warning: PyTorch model has {torch["parameters"]} parameters, PWMK's {ours.Parameters}");
                }
            }
            if (json)
            {
                Console.WriteLine(result.ToJsonString());
            }
            else
            {
                Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            return Program.Ok;
        }));
        return cmd;
    }

    private static JsonObject Gflops(IReadOnlyDictionary<int, double> g)
    {
        var o = new JsonObject();
        foreach (var (n, v) in g)
        {
            o[n.ToString(CultureInfo.InvariantCulture)] = Num(v);
        }
        return o;
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bench", "worldmodel", "torch_worldmodel.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new ArgumentException("bench/worldmodel/torch_worldmodel.py not found above the current directory; pass --torch-script or --no-torch");
    }

    private static JsonObject RunTorch(string python, string script, int threads, double seconds, string crossCheck)
    {
        ChildProcess.Result proc;
        try
        {
            proc = ChildProcess.Run(python, [script, "--threads", threads.ToString(CultureInfo.InvariantCulture),
                "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--cross-check", crossCheck]);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start {python}: {e.Message} (pass --python, or --no-torch)");
        }
        if (proc.ExitCode != 0)
        {
            throw new InvalidOperationException($"{python} {script} failed ({proc.ExitCode}): {proc.Stderr.Trim()}");
        }
        string stdout = proc.Stdout;
        return JsonNode.Parse(stdout)?.AsObject() ?? throw new InvalidOperationException("PyTorch benchmark printed nothing");
    }
}
