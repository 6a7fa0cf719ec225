namespace Pwmk.Bench.Shared;

/// <summary>Versions of the anchors, as they report themselves.</summary>
internal static class Versions
{
    public static string Swipl(string swipl) => First(swipl, "--version");

    public static string Python(string python) => First(python, "--version");

    /// <summary>The installed version of a Python package, as <c>importlib.metadata</c> reports it.</summary>
    public static string PythonPackage(string python, string package) =>
        First(python, "-c", $"import importlib.metadata as m; print(m.version('{package}'))");

    /// <summary>The first line a program prints for <paramref name="args"/>, or why there is none.</summary>
    public static string First(string program, params string[] args)
    {
        try
        {
            var r = ChildProcess.Run(program, args, timeoutMs: 30_000);
            string text = (r.Stdout + r.Stderr).Trim();
            return text.Length == 0 ? "version unknown" : text.Split('\n')[0].Trim();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return $"not runnable: {e.Message}";
        }
    }
}
