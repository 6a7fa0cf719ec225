using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Pwmk.Bench.Shared;
using Pwmk.Cli;

namespace Pwmk.Bench.WorldModel;

/// <summary>
/// <c>pwmk-bench worldmodel</c>: training throughput and inference latency of the world model against its PyTorch twin
/// on OpenBLAS, at the same thread count: warm in-process figures from interleaved pairs (PWMK, PyTorch, PWMK, ...),
/// and whole processes (start, build the model, a fixed number of steps and inferences, exit), also interleaved.
/// Refuses to print a ratio when PyTorch does not run on OpenBLAS with the same threads, or computes another function.
/// </summary>
internal static class WorldModelCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Threads for both PWMK (Gemm.MaxThreads) and PyTorch (set_num_threads, OMP/OpenBLAS)", DefaultValueFactory = _ => 1 };
        var pairs = new Option<int>("--pairs") { Description = "Interleaved warm (PWMK, PyTorch) pairs", DefaultValueFactory = _ => 5 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per warm measurement (after as long a warm-up)", DefaultValueFactory = _ => 1 };
        var processPairs = new Option<int>("--process-pairs") { Description = "Interleaved whole-process pairs (0: none)", DefaultValueFactory = _ => 3 };
        var trainSteps = new Option<int>("--train-steps") { Description = "Training steps of one whole process", DefaultValueFactory = _ => 200 };
        var inferCalls = new Option<int>("--infer-calls") { Description = "Inferences of one whole process", DefaultValueFactory = _ => 200 };
        var python = new Option<string>("--python") { Description = "Python with torch on OpenBLAS (Debian python3-torch + libopenblas0-pthread: the system python3)", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--torch-script") { Description = "Path of bench/worldmodel/torch_worldmodel.py (found from the current directory by default)" };
        var noTorch = new Option<bool>("--no-torch") { Description = "Measure PWMK only (no ratio)" };
        var format = new Option<string>("--format") { Description = "Output format: text or json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("worldmodel", "World model training and inference vs PyTorch on OpenBLAS, equal threads, interleaved pairs (warm and whole process)")
        {
            threads, pairs, seconds, processPairs, trainSteps, inferCalls, python, script, noTorch, format,
        };
        cmd.SetAction(p => BenchArgs.Guard(() => Run(new Settings(
            p.GetValue(threads), p.GetValue(pairs), p.GetValue(seconds), p.GetValue(processPairs), p.GetValue(trainSteps),
            p.GetValue(inferCalls), p.GetValue(python)!, p.GetValue(script), p.GetValue(noTorch), BenchArgs.IsJson(p.GetValue(format)!)))));
        return cmd;
    }

    /// <summary>Internal: one whole process of the PWMK side (<c>worldmodel-once</c>), timed by the parent.</summary>
    public static Command CreateOnce()
    {
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var trainSteps = new Option<int>("--train-steps") { DefaultValueFactory = _ => 200 };
        var inferCalls = new Option<int>("--infer-calls") { DefaultValueFactory = _ => 200 };
        var cmd = new Command("worldmodel-once", "Internal: build the world model, run training steps and inferences, exit") { threads, trainSteps, inferCalls };
        cmd.Hidden = true;
        cmd.SetAction(p =>
        {
            Pwmk.Tensors.Gemm.MaxThreads = p.GetValue(threads);
            var bench = new WorldModelBenchmark(new WorldModelBenchmarkOptions());
            for (int i = 0; i < p.GetValue(trainSteps); i++)
            {
                bench.Step();
            }
            for (int i = 0; i < p.GetValue(inferCalls); i++)
            {
                bench.Infer();
            }
            return Program.Ok;
        });
        return cmd;
    }

    private sealed record Settings(int Threads, int Pairs, double Seconds, int ProcessPairs, int TrainSteps, int InferCalls,
        string Python, string? Script, bool NoTorch, bool Json);

    private static int Run(Settings s)
    {
        BenchArgs.CheckRange(s.Threads, "--threads", 1, 64);
        BenchArgs.CheckRange(s.Pairs, "--pairs", 1, 100);
        BenchArgs.CheckRange(s.ProcessPairs, "--process-pairs", 0, 100);
        BenchArgs.CheckRange(s.TrainSteps, "--train-steps", 1, 1_000_000);
        BenchArgs.CheckRange(s.InferCalls, "--infer-calls", 0, 1_000_000);
        if (!(s.Seconds > 0 && s.Seconds <= 60))
        {
            throw new ArgumentException($"--seconds must be in (0, 60], got {s.Seconds}");
        }
        var options = new WorldModelBenchmarkOptions();
        var inv = CultureInfo.InvariantCulture;
        var progress = ProgressLine.For(Console.Error, s.Json);
        int saved = Pwmk.Tensors.Gemm.MaxThreads;
        Pwmk.Tensors.Gemm.MaxThreads = s.Threads;
        string threads = s.Threads.ToString(inv);
        // PyTorch's OpenMP pool spins after each parallel region while OpenBLAS's own pthreads wait for the same cores:
        // on 2 threads under load that cut its training to a quarter here, so the anchor's pool sleeps instead (its best).
        string waitPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } w ? w : "PASSIVE";
        var env = new Dictionary<string, string>
        {
            ["OMP_NUM_THREADS"] = threads,
            ["OPENBLAS_NUM_THREADS"] = threads,
            ["MKL_NUM_THREADS"] = threads,
            ["OMP_WAIT_POLICY"] = waitPolicy,
        };
        string script = s.Script ?? Repository.Find("bench/worldmodel/torch_worldmodel.py")
            ?? throw new ArgumentException("bench/worldmodel/torch_worldmodel.py not found in a PWMK checkout above the current directory; pass --torch-script or --no-torch");
        var check = Directory.CreateTempSubdirectory("pwmk-bench-");
        try
        {
            var bench = new WorldModelBenchmark(options);
            var report = new PairedReport($"World model ({bench.Parameters} parameters, {options.Model.NumLayers} blocks of width {options.Model.HiddenDim}; "
                + $"batch {options.BatchSize} training, {options.InferenceBatchSize} inference): PWMK against its PyTorch twin, {s.Threads} thread(s) each");
            report.Fact("anchor", $"{s.Python} bench/worldmodel/torch_worldmodel.py (same architecture, loss, AdamW and clipping)");
            report.Fact("threads", $"{s.Threads} on both sides (Gemm.MaxThreads; torch.set_num_threads, OMP/OPENBLAS/MKL_NUM_THREADS, openblas_set_num_threads); OMP_WAIT_POLICY={waitPolicy}");
            using var torch = s.NoTorch ? null : StartTorch(s, script, env, options, check.FullName, bench.Parameters, report);
            double train = 0, p50 = 0, p95 = 0;
            JsonObject? theirs = null, theirsInfer = null;
            PairedReport.Rounds(s.Pairs,
            [
                _ => (train, (p50, p95)) = (bench.TrainSamplesPerSecond(s.Seconds), bench.Inference(s.Seconds)),
                _ => (theirs, theirsInfer) = torch is null ? (null, null) : (torch.Ask(Request("train", s.Seconds)), torch.Ask(Request("infer", s.Seconds))),
            ], warmUp: false, afterRound: r =>
            {
                progress.Draw(r + 1, s.Pairs + s.ProcessPairs, "warm pairs");
                const string Warm = "in process, warm";
                report.Measure("training", "samples/s", Warm, "wall", Better.Higher).Add(train, Get(theirs, "samples_per_second"));
                report.Measure("inference p50", "ms", Warm, "wall", Better.Lower).Add(p50, Get(theirsInfer, "p50_ms"));
                report.Measure("inference p95", "ms", Warm, "wall", Better.Lower).Add(p95, Get(theirsInfer, "p95_ms"));
            });
            report.Fact("warm pairs", string.Create(inv, $"each side warms up for at least 50 calls and {s.Seconds} s, then times calls for {s.Seconds} s (median, 95th percentile)"));
            if (s.ProcessPairs > 0)
            {
                var own = OwnCommand();
                string work = $"{s.TrainSteps} steps + {s.InferCalls} inferences";
                report.Fact("whole process", $"start, build the model, {work}, exit: dotnet Pwmk.Bench.dll worldmodel-once {string.Join(' ', StepArgs(s))} "
                    + $"against {s.Python} bench/worldmodel/torch_worldmodel.py --once {string.Join(' ', StepArgs(s))}");
                WholeProcess.Run? ours = null, anchor = null;
                PairedReport.Rounds(s.ProcessPairs,
                [
                    _ => ours = Checked(WholeProcess.Measure(own.File, [.. own.Prefix, "worldmodel-once", .. StepArgs(s)], environment: env)),
                    _ => anchor = s.NoTorch ? null : Checked(WholeProcess.Measure(s.Python, [script, "--once", .. StepArgs(s)], environment: env)),
                ], warmUp: false, afterRound: r =>
                {
                    progress.Draw(s.Pairs + r + 1, s.Pairs + s.ProcessPairs, "whole-process pairs");
                    if (anchor is not null)
                    {
                        report.AddProcesses(work, "s", 1, ours!, anchor);
                    }
                });
            }
            progress.Clear();
            report.Write(Console.Out, s.Json);
            return Program.Ok;
        }
        finally
        {
            Pwmk.Tensors.Gemm.MaxThreads = saved;
            check.Delete(true);
        }
    }

    private static double Get(JsonObject? answer, string key) => answer?[key]?.GetValue<double>() ?? double.NaN;

    private static WholeProcess.Run Checked(WholeProcess.Run run) => run.ExitCode == 0 ? run
        : throw new InvalidOperationException($"a whole-process run failed ({run.ExitCode}): {run.Stderr.Trim()}");

    /// <summary>The PyTorch twin, serving requests, once it has shown itself a fair anchor (else an exception).</summary>
    private static LineWorker StartTorch(Settings s, string script, Dictionary<string, string> env, WorldModelBenchmarkOptions options,
        string check, long parameters, PairedReport report)
    {
        WorldModelBenchmark.WriteCrossCheck(options, check);
        var torch = new LineWorker(s.Python, [script, "--serve", "--threads", s.Threads.ToString(CultureInfo.InvariantCulture), "--cross-check", check], env);
        try
        {
            var info = CheckAnchor(torch.Ask("{\"cmd\": \"info\"}"), s.Threads, parameters);
            report.Fact("PyTorch", $"{info["torch_version"]}, {info["threads"]} intra-op thread(s); torch.__config__.show(): {info["torch_config_blas_info"]}");
            report.Fact("BLAS PyTorch runs", $"{info["openblas"]}, {info["openblas_threads"]} thread(s); mapped: {string.Join(", ", info["blas_libraries"]!.AsArray())}");
            report.Fact("same function", $"max abs difference {info["same_function_max_abs_diff"]} on PWMK's checkpoint (next observations, belief probabilities)");
            return torch;
        }
        catch
        {
            torch.Dispose();
            throw;
        }
    }

    private static string Request(string cmd, double seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{{\"cmd\": \"{cmd}\", \"seconds\": {seconds}}}");

    private static string[] StepArgs(Settings s) =>
    [
        "--threads", s.Threads.ToString(CultureInfo.InvariantCulture),
        "--train-steps", s.TrainSteps.ToString(CultureInfo.InvariantCulture),
        "--infer-calls", s.InferCalls.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>The anchor's own account of itself, or an exception when its figures would not be a fair anchor.</summary>
    private static JsonObject CheckAnchor(JsonObject info, int threads, long parameters)
    {
        string openblas = info["openblas"]?.GetValue<string>() ?? "";
        int blasThreads = info["openblas_threads"]?.GetValue<int>() ?? -1;
        int torchThreads = info["threads"]?.GetValue<int>() ?? -1;
        if (!openblas.StartsWith("OpenBLAS", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"refusing a ratio: PyTorch does not run on OpenBLAS (BLAS libraries mapped: {info["blas_libraries"]?.ToJsonString()}; {info["torch_config_blas_info"]}); apt install libopenblas0-pthread");
        }
        if (blasThreads != threads || torchThreads != threads)
        {
            throw new InvalidOperationException($"refusing a ratio: PyTorch runs {torchThreads} intra-op thread(s) and OpenBLAS {blasThreads}, PWMK {threads}");
        }
        if (info["parameters"]?.GetValue<long>() != parameters)
        {
            throw new InvalidOperationException($"refusing a ratio: the PyTorch model has {info["parameters"]} parameters, PWMK's {parameters}");
        }
        if (info["cross_check"] is JsonObject cc)
        {
            double diff = Math.Max(cc["max_abs_diff_next_observations"]!.GetValue<double>(), cc["max_abs_diff_beliefs"]!.GetValue<double>());
            info["same_function_max_abs_diff"] = diff;
            if (!(diff < 1e-3))
            {
                throw new InvalidOperationException($"refusing a ratio: the PyTorch twin computes another function (max abs diff {diff} on PWMK's checkpoint)");
            }
        }
        return info;
    }

    /// <summary>This program, as a command line that runs it again (dotnet and the assembly when run through dotnet).</summary>
    private static (string File, string[] Prefix) OwnCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string assembly = typeof(Program).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [assembly]) : (process, []);
    }
}
