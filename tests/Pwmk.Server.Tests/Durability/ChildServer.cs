using System.Diagnostics;
using System.Text;

namespace Pwmk.Server.Tests.Durability;

/// <summary>A <c>pwmk serve</c> child process of the durability tests: its output, a client on its port, SIGKILL.</summary>
internal sealed class ChildServer : IDisposable
{
    private readonly StringBuilder _log = new();

    /// <summary>Starts <paramref name="command"/> (the first word is the program) serving on <paramref name="port"/>.</summary>
    public ChildServer(IReadOnlyList<string> command, int port, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        Port = port;
        Process = Process.Start(psi)!;
        Process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        Process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
        // a test host that exits without disposing it (Environment.Exit) takes the server with it, rather than leaving it
        // running and taking CPU from later tests
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary><c>dotnet pwmk.dll serve</c> of this test build on a loopback port with a state directory, then <paramref name="extra"/>.</summary>
    public static string[] ServeCommand(int port, string stateDir, params string[] extra) =>
        ["dotnet", Path.Combine(AppContext.BaseDirectory, "pwmk.dll"), "serve", "--urls", $"http://127.0.0.1:{port}", "--state-dir", stateDir, .. extra];

    public int Port { get; }
    public Process Process { get; }
    public HttpClient Http { get; }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>
    /// Waits until <c>/live</c> answers and the member is active in its cluster (<c>/health</c>'s <c>cluster</c> check: the
    /// silo starts beside the web server, so <c>/live</c> answers first), at most 30 s each, failing with the server's
    /// output if it exits first. Other checks may still fail (a read-only state directory).
    /// </summary>
    public async Task WaitLive()
    {
        await WaitFor(async () => (await Http.GetAsync("/live")).IsSuccessStatusCode ? 0 : (int?)null);
        await WaitFor(async () =>
        {
            using var r = await Http.GetAsync("/health");
            using var body = System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            return body.RootElement.GetProperty("checks").GetProperty("cluster").GetProperty("status").GetString() == "healthy" ? 0 : null;
        });
    }

    /// <summary>Polls <paramref name="probe"/> until it gives a value (at most 30 s); connection errors count as not yet.</summary>
    public async Task<int> WaitFor(Func<Task<int?>> probe)
    {
        var end = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < end)
        {
            Assert.False(Process.HasExited, "server exited: " + Log);
            try
            {
                if (await probe() is { } value) return value;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50);
        }
        Assert.Fail("server not ready within 30 s: " + Log);
        return -1;
    }

    /// <summary>SIGKILL, and waits for the exit.</summary>
    public void Kill()
    {
        if (Process.HasExited) return;
        Process.Kill();
        Process.WaitForExit();
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        Kill();
        Http.Dispose();
        Process.Dispose();
    }
}
