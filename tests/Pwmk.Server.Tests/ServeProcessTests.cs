using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;

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
        foreach (var a in new[] { dll, "serve", "--urls", $"http://127.0.0.1:{port}", "--state-dir", dir, "--step-delay-ms", "5" }) psi.ArgumentList.Add(a);
        psi.Environment["PWMK_API_KEY"] = "process-key";
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
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
                    return snap.GetProperty("simulation").GetProperty("totalSteps").GetInt64() > 0;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, 30);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30));
            string banner;
            lock (output) banner = output.ToString();
            Assert.Contains($"web UI   http://127.0.0.1:{port}/", banner);
            Assert.Contains("/metrics", banner);
            Assert.Contains("API key  required", banner);

            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/beliefs", new { agent = "anne", belief = "in(marble, box)" })).StatusCode);
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/beliefs") { Content = JsonContent.Create(new { agent = "anne", belief = "in(marble, box)" }) };
            req.Headers.Add("X-API-Key", "process-key");
            Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(req)).StatusCode);
            var j = await ServerFixture.Json(await http.PostAsJsonAsync("/api/beliefs/query", new { query = "believes(anne, X)" }));
            Assert.Equal("in(marble,box)", j.GetProperty("solutions")[0].GetProperty("X").GetString());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json")).StatusCode);
            Assert.Contains("<html", await http.GetStringAsync("/"));

            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p.WaitForExitAsync(cts.Token);
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("anne", File.ReadAllText(Path.Combine(dir, "beliefs.pl")));
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
