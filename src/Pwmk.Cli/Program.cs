using System.CommandLine;
using Pwmk.Cli.Commands;

namespace Pwmk.Cli;

/// <summary>Entry point of the <c>pwmk</c> command line.</summary>
public static class Program
{
    /// <summary>Exit codes shared by every command (see DESIGN.md).</summary>
    public const int Ok = 0, NoResult = 1, BadInput = 2;

    public static int Main(string[] args)
    {
        var parsed = BuildRoot().Parse(args);
        if (parsed.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
        {
            foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
            return BadInput;
        }
        return parsed.Invoke();
    }

    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("PWMK: the Perspective World Model Kit (multi-agent Theory of Mind)");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(QueryCommand.Create());
        root.Subcommands.Add(TomiCommand.Create());
        root.Subcommands.Add(HitomCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(WorldModelCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(DashboardsCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        return root;
    }
}
