using System.Diagnostics;
using System.Text;

namespace Pwmk.Bench.Shared;

/// <summary>
/// Runs another program to its end (swipl, python, the NativeAOT host, pwmk itself), reading its output and error
/// streams at the same time so that neither pipe fills and stalls it.
/// </summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/>. With <paramref name="stderrLine"/>, each line of the
    /// error stream goes there as it comes (a child's progress) instead of into <see cref="Result.Stderr"/>. Throws
    /// <see cref="System.ComponentModel.Win32Exception"/> when the program cannot be started and
    /// <see cref="TimeoutException"/> (after killing it) when it outlives <paramref name="timeoutMs"/>.
    /// </summary>
    public static Result Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        Action<string>? stderrLine = null, int timeoutMs = Timeout.Infinite, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var stderr = Task.Run(async () =>
        {
            var sb = new StringBuilder();
            while (await p.StandardError.ReadLineAsync() is { } line)
            {
                if (stderrLine is not null) stderrLine(line);
                else sb.AppendLine(line);
            }
            return sb.ToString();
        });
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeoutMs} ms");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
