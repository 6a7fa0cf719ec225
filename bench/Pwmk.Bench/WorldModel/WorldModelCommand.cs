using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pwmk.Bench.Shared;
using Pwmk.Cli;

namespace Pwmk.Bench.WorldModel;

/// <summary><c>pwmk-bench worldmodel</c>: matmul, training throughput and inference latency against PyTorch on CPU.</summary>
internal static class WorldModelCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Threads for both PWMK's matmul and PyTorch", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 2 };
        var python = new Option<string>("--python") { Description = "Python with torch (Debian python3-torch)", DefaultValueFactory = _ => "python3" };
        var script = new Option<string?>("--torch-script") { Description = "Path of bench/worldmodel/torch_worldmodel.py (found from the current directory by default)" };
        var noTorch = new Option<bool>("--no-torch") { Description = "Measure PWMK only" };
        var format = new Option<string>("--format") { Description = "Output format: text or json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("worldmodel", "Benchmark matmul, training throughput and inference latency against PyTorch on CPU, in one run") { threads, seconds, python, script, noTorch, format };
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
                        Console.Error.WriteLine($"pwmk-bench: warning: the PyTorch twin computes a different function (max abs diff {diff})");
                    }
                }
                if (torch["parameters"]!.GetValue<long>() != ours.Parameters)
                {
                    Console.Error.WriteLine($"pwmk-bench: warning: PyTorch model has {torch["parameters"]} parameters, PWMK's {ours.Parameters}");
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

    private static string FindScript() => Repository.Find("bench/worldmodel/torch_worldmodel.py")
        ?? throw new ArgumentException("bench/worldmodel/torch_worldmodel.py not found in a PWMK checkout above the current directory; pass --torch-script or --no-torch");

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

    private static bool IsJson(string format) => format switch
    {
        "json" => true,
        "text" => false,
        _ => throw new ArgumentException($"--format must be text or json, got '{format}'"),
    };

    private static int CheckCount(int value, string name, int max) =>
        value >= 1 && value <= max ? value : throw new ArgumentException($"{name} must be in 1..{max}, got {value}");

    private static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(Math.Round(x, 6)) : null;

    /// <summary>Runs <paramref name="body"/>, mapping bad input and failed anchors to exit 2 with the message on stderr.</summary>
    private static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"pwmk-bench: {e.Message}");
            return Program.BadInput;
        }
    }
}
