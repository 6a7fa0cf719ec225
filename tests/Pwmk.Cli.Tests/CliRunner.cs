using System.Diagnostics;

namespace Pwmk.Cli.Tests;

/// <summary>Runs the built <c>pwmk</c> command line as a child process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "pwmk.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            throw new TimeoutException("pwmk " + string.Join(' ', args) + " did not finish");
        }
        return new Result(p.ExitCode, stdout, err.Result);
    }

    public static string TempFile(string content, string ext = ".pl")
    {
        string path = Path.Combine(Path.GetTempPath(), "pwmk-cli-" + Guid.NewGuid().ToString("N") + ext);
        File.WriteAllText(path, content);
        return path;
    }
}
