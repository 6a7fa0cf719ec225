using System.CommandLine;
using Pwmk.Cli.Commands;

namespace Pwmk.Cli;

/// <summary>Entry point of the <c>pwmk</c> command line.</summary>
public static class Program
{
    /// <summary>Exit codes shared by every command (see DESIGN.md).</summary>
    public const int Ok = 0, NoResult = 1, BadInput = 2;

    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("PWMK: the Perspective World Model Kit (multi-agent Theory of Mind)");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
