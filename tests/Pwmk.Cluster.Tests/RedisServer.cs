using System.Diagnostics;
using System.Globalization;

namespace Pwmk.Cluster.Tests;

/// <summary>A real <c>redis-server</c> on a free loopback port, working in a given folder, with the given persistence options.</summary>
internal sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    public RedisServer(string directory, params string[] persistence)
    {
        var psi = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var a in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory }.Concat(persistence))
            psi.ArgumentList.Add(a);
        try
        {
            _process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed (Debian package redis-server; ./test.sh installs it): " + e.Message, e);
        }
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; } = Loopback.FreePort();

    /// <summary>SIGKILLs the server.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
