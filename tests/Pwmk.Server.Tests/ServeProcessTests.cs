using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Pwmk.Server.Tests;

/// <summary>Starts the real <c>pwmk serve</c> process on a free loopback port and talks to it over HTTP.</summary>
[Trait("Category", "Integration")]
public class ServeProcessTests
{
    [Fact]
    public async Task ServeAnswersQueriesShowsASimulationAndSavesStateOnSigterm()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pwmk.dll");
        Assert.True(File.Exists(dll), dll);
        var dir = Directory.CreateTempSubdirectory("pwmk-serve-").FullName;
        int port = Loopback.FreePort();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var a in new[] { dll, "serve", "--urls", $"http://127.0.0.1:{port}", "--state-dir", dir, "--step-delay-ms", "5", "--log-level", "debug" })
            psi.ArgumentList.Add(a);
        psi.Environment["PWMK_API_KEY"] = "process-key";
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        var stdout = new List<string>();
        p.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
                if (e.Data is not null) stdout.Add(e.Data);
            }
        };
        p.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            var started = Stopwatch.StartNew();
            await ServerFixture.Eventually(async () =>
            {
                try
                {
                    var snap = await ServerFixture.Json(await http.GetAsync("/api/snapshot"));
                    // "simulation" is null until the background simulation's grain has started
                    return snap.GetProperty("simulation") is { ValueKind: JsonValueKind.Object } sim && sim.GetProperty("totalSteps").GetInt64() > 0;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, 30);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/beliefs", new { agent = "anne", belief = "in(marble, box)" })).StatusCode);
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/beliefs") { Content = JsonContent.Create(new { agent = "anne", belief = "in(marble, box)" }) };
            req.Headers.Add("X-API-Key", "process-key");
            Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(req)).StatusCode);
            var j = await ServerFixture.Json(await http.PostAsJsonAsync("/api/beliefs/query", new { query = "believes(anne, X)" }));
            Assert.Equal("in(marble,box)", j.GetProperty("solutions")[0].GetProperty("X").GetString());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json")).StatusCode);
            Assert.Contains("<html", await http.GetStringAsync("/"));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
            await http.GetAsync("/health");

            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p.WaitForExitAsync(cts.Token);
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("anne", File.ReadAllText(Path.Combine(dir, "beliefs.pl")));

            // standard output is one JSON object per line, the start-up announcement included
            List<JsonElement> lines;
            lock (output) lines = [.. stdout.Select(l => JsonDocument.Parse(l).RootElement)];
            var serving = Assert.Single(lines, l => l.GetProperty("message").GetString()!.StartsWith("PWMK is serving at", StringComparison.Ordinal));
            Assert.Equal($"http://127.0.0.1:{port}/", serving.GetProperty("ui").GetString());
            Assert.True(serving.GetProperty("apiKeyRequired").GetBoolean());
            // --log-level debug shows debug lines; the simulation's lines name it (session_id)
            Assert.Contains(lines, l => l.GetProperty("level").GetString() == "DEBUG" && l.TryGetProperty("session_id", out var sid) && sid.GetString() == "sim-1");
            // one line per request, with its request id and the agent it was about
            var assert = Assert.Single(lines, l => l.TryGetProperty("Path", out var path) && path.GetString() == "/api/beliefs"
                && l.GetProperty("StatusCode").GetInt32() == 201);
            Assert.Equal("POST", assert.GetProperty("Method").GetString());
            Assert.Equal("anne", assert.GetProperty("agent_id").GetString());
            Assert.False(string.IsNullOrEmpty(assert.GetProperty("request_id").GetString()));
            // probes and scrapes write no request line
            Assert.DoesNotContain(lines, l => l.TryGetProperty("Path", out var path) && path.GetString() is "/live" or "/metrics" or "/health");
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task BadOptionIsExit2WithMessage()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pwmk.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "serve", "--agents", "99", "--urls", "http://127.0.0.1:0" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("agents", err);
    }
}
