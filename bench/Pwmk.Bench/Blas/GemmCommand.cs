using System.CommandLine;
using System.Globalization;
using Pwmk.Bench.Shared;
using Pwmk.Tensors;
using Pwmk.Cli;

namespace Pwmk.Bench.Blas;

/// <summary>
/// <c>pwmk-bench gemm</c>: PWMK's matrix multiply against raw OpenBLAS sgemm (a C driver, bench/gemm/openblas_sgemm.c,
/// so that no interpreter sits between the clock and the library), the same shapes and thread counts, interleaved
/// pairs (which side runs first alternates), beside the machine's measured FMA peak.
/// </summary>
internal static class GemmCommand
{
    /// <summary>Square sizes.</summary>
    public const string Square = "64,128,256,512,1024";

    /// <summary>
    /// Every product of the world model's training step (192 token rows: batch 64 x 3 agents) and inference (96 rows):
    /// forward NN, input gradients NT, weight gradients TN.
    /// </summary>
    public const string WorldModel =
        "NN:192x25x64,NN:192x64x64,NN:192x64x192,NN:192x64x256,NN:192x256x64,NN:192x64x25,NN:192x64x8,"
        + "NT:192x64x64,NT:192x192x64,NT:192x256x64,NT:192x64x256,NT:192x25x64,NT:192x8x64,"
        + "TN:25x192x64,TN:64x192x64,TN:64x192x192,TN:64x192x256,TN:256x192x64,TN:64x192x25,TN:64x192x8,"
        + "NN:96x64x64,NN:96x64x256,NN:96x256x64";

    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Threads for both PWMK's Gemm (Gemm.MaxThreads) and OpenBLAS", DefaultValueFactory = _ => 1 };
        var pairs = new Option<int>("--pairs") { Description = "Interleaved (PWMK, OpenBLAS) pairs per shape", DefaultValueFactory = _ => 5 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measurement (half warm-up, half timed)", DefaultValueFactory = _ => 1 };
        var shapes = new Option<string>("--shapes") { Description = "square, worldmodel, or a list like NN:192x64x64,NT:192x256x64,512", DefaultValueFactory = _ => "square" };
        var cc = new Option<string>("--cc") { Description = "C compiler for the OpenBLAS driver", DefaultValueFactory = _ => "cc" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("gemm", "Matrix multiply vs raw OpenBLAS sgemm, interleaved pairs, beside the measured FMA peak")
        {
            threads, pairs, seconds, shapes, cc, format,
        };
        cmd.SetAction(p => BenchArgs.Guard(() => Run(p.GetValue(threads), p.GetValue(pairs), p.GetValue(seconds), p.GetValue(shapes)!,
            p.GetValue(cc)!, p.GetValue(format)!)));
        return cmd;
    }

    private static int Run(int threads, int pairs, double seconds, string shapeList, string cc, string format)
    {
        bool json = BenchArgs.IsJson(format);
        BenchArgs.CheckRange(threads, "--threads", 1, 64);
        BenchArgs.CheckRange(pairs, "--pairs", 1, 100);
        if (!(seconds > 0 && seconds <= 60))
        {
            throw new ArgumentException($"--seconds must be in (0, 60], got {seconds}");
        }
        var shapes = (shapeList switch { "square" => Square, "worldmodel" => WorldModel, _ => shapeList })
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(GemmShape.Parse).ToList();
        var inv = CultureInfo.InvariantCulture;
        var report = new PairedReport($"Matrix multiply C = op(A) op(B), float32: PWMK's Gemm against OpenBLAS cblas_sgemm, {threads} thread(s) each");
        using var anchor = OpenBlasAnchor.Start(cc, threads);
        report.Fact("anchor", anchor.Description + " (driven by bench/gemm/openblas_sgemm.c, compiled with -O2)");
        report.Fact("threads", $"{threads} on both sides (Gemm.MaxThreads; openblas_set_num_threads, checked)");
        var (peak, bits) = FmaPeak.Measure(threads, 0.5);
        report.Fact("measured FMA peak", string.Create(inv, $"{peak:F1} GFLOP/s on {threads} thread(s) ({bits}-bit vectors, 12 independent chains per thread)"));
        report.Fact("timing", string.Create(inv, $"each side in its own process on its own monotonic clock: {seconds / 2} s warm-up, then the median of 5 batches filling {seconds / 2} s"));
        var progress = ProgressLine.For(Console.Error, json);
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            int done = 0;
            foreach (var shape in shapes)
            {
                var measure = report.Measure(shape.ToString(), "GFLOP/s", "in process, warm", "wall", Better.Higher);
                double ours = 0, theirs = 0;
                PairedReport.Rounds(pairs, [_ => ours = GemmTiming.Gflops(shape, seconds), _ => theirs = anchor.Gflops(shape, seconds)], warmUp: false,
                    afterRound: _ =>
                    {
                        measure.Add(ours, theirs);
                        progress.Draw(++done, shapes.Count * pairs, shape.ToString());
                    });
                report.Fact($"{shape}: PWMK share of the peak", string.Create(inv, $"{100 * PairedMeasure.Median(measure.Pwmk) / peak:F0}% (OpenBLAS {100 * PairedMeasure.Median(measure.Anchor) / peak:F0}%)"));
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
        progress.Clear();
        report.Write(Console.Out, json);
        return Program.Ok;
    }
}

/// <summary>The OpenBLAS driver: compiled from bench/gemm/openblas_sgemm.c next to this program when missing or older.</summary>
internal sealed class OpenBlasAnchor : IDisposable
{
    private readonly LineWorker worker;

    private OpenBlasAnchor(LineWorker worker, string description)
    {
        this.worker = worker;
        Description = description;
    }

    /// <summary>OpenBLAS's own configuration line, thread count and library file.</summary>
    public string Description { get; }

    public static OpenBlasAnchor Start(string cc, int threads)
    {
        var source = Repository.Find("bench/gemm/openblas_sgemm.c")
            ?? throw new ArgumentException("bench/gemm/openblas_sgemm.c not found in a PWMK checkout above the current directory");
        var binary = Path.Combine(AppContext.BaseDirectory, "openblas_sgemm");
        if (!File.Exists(binary) || File.GetLastWriteTimeUtc(binary) < File.GetLastWriteTimeUtc(source))
        {
            ChildProcess.Result build;
            try
            {
                build = ChildProcess.Run(cc, ["-O2", "-o", binary, source, "-ldl"]);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"cannot start the C compiler '{cc}' ({e.Message}): install gcc or pass --cc");
            }
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException($"{cc} failed on {source}: {build.Stderr.Trim()}");
            }
        }
        var env = new Dictionary<string, string>
        {
            ["OPENBLAS_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture),
            ["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture),
        };
        var worker = new LineWorker(binary, [threads.ToString(CultureInfo.InvariantCulture)], env);
        var hello = worker.Read();
        string config = hello["config"]?.GetValue<string>() ?? "";
        int actual = hello["threads"]?.GetValue<int>() ?? -1;
        if (!config.StartsWith("OpenBLAS", StringComparison.Ordinal) || actual != threads)
        {
            worker.Dispose();
            throw new InvalidOperationException($"refusing a ratio: the anchor is '{config}' on {actual} thread(s), not OpenBLAS on {threads} (apt install libopenblas0-pthread)");
        }
        return new OpenBlasAnchor(worker, $"{config}, {actual} thread(s), {hello["library"]}");
    }

    public double Gflops(GemmShape shape, double seconds) =>
        worker.Ask(string.Create(CultureInfo.InvariantCulture, $"{shape.Op} {shape.M} {shape.K} {shape.N} {seconds}"))["gflops"]!.GetValue<double>();

    public void Dispose() => worker.Dispose();
}
