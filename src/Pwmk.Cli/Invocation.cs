using System.CommandLine;

namespace Pwmk.Cli;

/// <summary>Runs a parsed command line with the exit codes of DESIGN.md (shared by the JIT and the native builds and by pwmk-bench).</summary>
internal static class Invocation
{
    /// <summary>Exit code of bad input (DESIGN.md).</summary>
    private const int BadInput = 2;

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/>: a parse error is exit 2 with its message on stderr.</summary>
    public static int Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
        {
            foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
            return BadInput;
        }
        return parsed.Invoke();
    }
}
