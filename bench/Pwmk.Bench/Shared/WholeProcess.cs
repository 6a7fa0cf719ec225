using System.Globalization;

namespace Pwmk.Bench.Shared;

/// <summary>
/// Runs a program to its end as one measured process, through the same two wrappers for PWMK and for every anchor. A
/// small Python wrapper forks GNU time (Debian package <c>time</c>), which runs the program; the Python wrapper reads
/// wall time on the monotonic clock from fork to exit and, from <c>wait4</c>, user + system CPU time at microsecond
/// resolution; GNU time reports the program's own peak resident memory (a wrapper's memory would count in a child it
/// forks, so the one that forks the program is the 1-2 MiB GNU time, not Python). GNU time's own exec and CPU, about a
/// millisecond, are inside the time figures of both sides alike; the Python wrapper's start-up is outside them.
/// </summary>
internal static class WholeProcess
{
    /// <summary>One measured run: wall and CPU seconds, peak resident MiB, exit code and output.</summary>
    public sealed record Run(double WallSeconds, double CpuSeconds, double PeakRssMiB, int ExitCode, string Stdout, string Stderr);

    /// <summary>The timing wrapper: argv = report file, program, arguments; the child inherits stdin, stdout and stderr.</summary>
    private const string Wrapper = """
        import os, sys, time
        report, argv = sys.argv[1], sys.argv[2:]
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        with open(report, "w") as f:
            f.write("%r %r %d\n" % (wall, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status)))
        """;

    private const string GnuTime = "/usr/bin/time";

    /// <summary>The Python that runs the wrapper (any Python 3.9 or later; <c>PWMK_BENCH_PYTHON</c> overrides).</summary>
    private static string Python => Environment.GetEnvironmentVariable("PWMK_BENCH_PYTHON") is { Length: > 0 } p ? p : "python3";

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> (in <paramref name="workingDirectory"/>, with extra <paramref name="environment"/> variables, when given).</summary>
    public static Run Measure(string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        if (!File.Exists(GnuTime)) throw new InvalidOperationException($"{GnuTime} not found: install GNU time (Debian package time)");
        string report = Path.GetTempFileName(), memory = Path.GetTempFileName();
        try
        {
            ChildProcess.Result r;
            try
            {
                r = ChildProcess.Run(Python, ["-c", Wrapper, report, GnuTime, "-q", "-f", "%M", "-o", memory, file, .. args], workingDirectory, environment: environment);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"cannot run {Python} (the measuring wrapper; PWMK_BENCH_PYTHON names another): {e.Message}");
            }
            var f = File.ReadAllText(report).Split(' ', StringSplitOptions.TrimEntries);
            var m = File.ReadAllText(memory).Trim();
            if (f.Length != 3 || m.Length == 0) throw new InvalidOperationException($"the measuring wrappers failed running {file}: {r.Stderr.Trim()}");
            return new Run(Parse(f[0]), Parse(f[1]), Parse(m) / 1024, int.Parse(f[2], CultureInfo.InvariantCulture), r.Stdout, r.Stderr);
        }
        finally
        {
            File.Delete(report);
            File.Delete(memory);
        }
    }

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
