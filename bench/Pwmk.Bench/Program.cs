using System.CommandLine;
using BenchmarkDotNet.Running;
using Pwmk.Bench.Beliefs;
using Pwmk.Bench.Classic;
using Pwmk.Bench.Cluster;
using Pwmk.Bench.HiToM;
using Pwmk.Bench.Http;
using Pwmk.Bench.Observability;
using Pwmk.Bench.Planner;
using Pwmk.Bench.Startup;
using Pwmk.Bench.Tomi;
using Pwmk.Bench.WorldModel;
using Pwmk.Cli;

namespace Pwmk.Bench;

/// <summary>
/// Entry point of <c>pwmk-bench</c>: PWMK's benchmarks, each measured beside its anchor (<c>beliefs</c>,
/// <c>planner</c>, <c>observability</c>, <c>worldmodel</c>, <c>gemm</c>), and the BenchmarkDotNet micro benchmarks (<c>micro</c>).
/// </summary>
public static class Program
{
    /// <summary>Exit codes shared by every command, as the product CLI's.</summary>
    public const int Ok = 0, NoResult = 1, BadInput = 2;

    public static int Main(string[] args)
    {
        // BenchmarkDotNet parses its own options (--filter, --job, ...): hand them over untouched
        if (args.Length > 0 && args[0] == "micro")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return Ok;
        }
        // the engine's side of `beliefs --host jit`, one scenario in this process (as bench/aot-engine is for aot)
        if (args.Length > 0 && args[0] == "beliefs-engine") return BeliefEngine.Run(args[1..]);
        // the anchor of `http`: a bare ASP.NET Core endpoint, a server process of its own
        if (args.Length > 0 && args[0] == "http-bare") return BareEndpoint.Run(args[1..]);
        return Invocation.Run(BuildRoot(), args);
    }

    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("pwmk-bench: PWMK's benchmarks, each beside its anchor (not part of the product)");
        root.Subcommands.Add(StartupCommand.Create());
        root.Subcommands.Add(TomiCommand.Create());
        root.Subcommands.Add(HttpCommand.Create());
        root.Subcommands.Add(BeliefsCommand.Create());
        root.Subcommands.Add(ReadersCommand.Create());
        root.Subcommands.Add(PlannerCommand.Create());
        root.Subcommands.Add(ObservabilityCommand.Create());
        root.Subcommands.Add(WorldModelCommand.Create());
        root.Subcommands.Add(WorldModelCommand.CreateOnce());
        root.Subcommands.Add(Blas.GemmCommand.Create());
        root.Subcommands.Add(HitomCommand.Create());
        root.Subcommands.Add(ClassicCommand.Create());
        root.Subcommands.Add(PartitionWritesCommand.Create());
        var micro = new Command("micro", "BenchmarkDotNet micro benchmarks (engine, belief store, environments, ToMi, tensors); "
            + "every option after it goes to BenchmarkDotNet: micro --help, micro --list flat, micro --filter '*Engine*' --job short");
        root.Subcommands.Add(micro);
        return root;
    }
}
