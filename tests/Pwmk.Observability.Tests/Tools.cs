using System.Diagnostics;

namespace Pwmk.Observability.Tests;

/// <summary>Runs the real Prometheus/Alertmanager command-line tools.</summary>
internal static class Tools
{
    public static (int Exit, string Output) Run(string tool, string args, string? stdin = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(tool, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {args} did not finish in 60 s");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The repository root (the folder holding Pwmk.slnx).</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Pwmk.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("Pwmk.slnx not found above " + AppContext.BaseDirectory);
    }
}
