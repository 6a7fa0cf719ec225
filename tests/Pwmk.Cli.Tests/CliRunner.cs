using System.Diagnostics;

namespace Pwmk.Cli.Tests;

/// <summary>
/// Runs the built <c>pwmk</c> command line as a child process. The short commands that <c>./pwmk</c> sends to the
/// NativeAOT build (query, plan, tomi, hitom) run in that build when <c>PWMK_NATIVE_CLI</c> names it (./test.sh publishes it
/// and sets it), otherwise in the JIT build like every other command.
/// </summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The native executable the short commands run in, or null for the JIT build.</summary>
    public static string? Native => Environment.GetEnvironmentVariable("PWMK_NATIVE_CLI") is { Length: > 0 } n ? n : null;

    public static Result Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Native is { } native && args.Length > 0 && args[0] is "query" or "plan" or "tomi" or "hitom")
        {
            if (!File.Exists(native)) throw new FileNotFoundException("PWMK_NATIVE_CLI names no file", native);
            psi.FileName = native;
        }
        else
        {
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pwmk.dll"));
        }
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
