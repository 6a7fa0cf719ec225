using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Pwmk.Bench.Shared;

/// <summary>
/// A long-lived anchor process spoken to one line at a time (the OpenBLAS driver, the PyTorch twin): a request line
/// on its stdin, one JSON line back on its stdout. Its stderr is collected and shown when it fails.
/// </summary>
internal sealed class LineWorker : IDisposable
{
    private readonly Process process;
    private readonly System.Text.StringBuilder stderr = new();
    private readonly Task stderrPump;

    public LineWorker(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start {file}: {e.Message}");
        }
        stderrPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (stderr)
                {
                    stderr.AppendLine(line);
                }
            }
        });
    }

    /// <summary>The next JSON line the worker prints (its greeting, or the answer to the last request).</summary>
    public JsonObject Read()
    {
        var line = process.StandardOutput.ReadLine();
        if (line is null)
        {
            process.WaitForExit(5000);
            stderrPump.Wait(1000);
            string err;
            lock (stderr)
            {
                err = stderr.ToString().Trim();
            }
            throw new InvalidOperationException($"{process.StartInfo.FileName} stopped{(process.HasExited ? $" ({process.ExitCode})" : "")}: {err}");
        }
        return JsonNode.Parse(line)?.AsObject() ?? throw new InvalidOperationException($"{process.StartInfo.FileName} printed '{line}'");
    }

    /// <summary>Sends one request line and returns the answer.</summary>
    public JsonObject Ask(string request)
    {
        process.StandardInput.WriteLine(request);
        process.StandardInput.Flush();
        return Read();
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(5000))
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }
}
