using System.CommandLine;
using Pwmk.Cli.Commands;

namespace Pwmk.Cli;

/// <summary>
/// Entry point of the <c>pwmk</c> command line. The same file is the entry point of its NativeAOT build
/// (src/Pwmk.Cli.Native, symbol <c>PWMK_NATIVE</c>), which holds only the short commands ./pwmk sends to it.
/// </summary>
public static class Program
{
    /// <summary>Exit codes shared by every command (see DESIGN.md).</summary>
    public const int Ok = 0, NoResult = 1, BadInput = 2;

    public static int Main(string[] args) => Invocation.Run(BuildRoot(), args);

    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("PWMK: the Perspective World Model Kit (multi-agent Theory of Mind)");
        root.Subcommands.Add(QueryCommand.Create());
        root.Subcommands.Add(TomiCommand.Create());
        root.Subcommands.Add(HitomCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
#if !PWMK_NATIVE
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(WorldModelCommand.Create());
        root.Subcommands.Add(DashboardsCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
#endif
        return root;
    }
}
