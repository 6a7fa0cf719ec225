using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pwmk.Core.Beliefs;
using Xunit.Abstractions;

namespace Pwmk.Server.Tests.Durability;

/// <summary>
/// Kills a real <c>pwmk serve</c> child process with SIGKILL at random moments under a concurrent write load, restarts
/// it on the same state directory, and checks that every acknowledged write is there and that the store answers like a
/// reference store built from the acknowledged writes.
/// </summary>
[Trait("Category", "Integration")]
public class CrashTests(ITestOutputHelper output)
{
    private const string Key = "crash-key";
    private const int Writers = 4;
    private const int Kills = 22;

    private static ChildServer StartChild(string dir, bool simulate = false, string fsync = "always")
    {
        int port = Loopback.FreePort();
        string[] extra = simulate ? ["--rate-limit", "0"] : ["--rate-limit", "0", "--no-simulation"];
        return new ChildServer(ChildServer.ServeCommand(port, dir, extra), port, dir, new Dictionary<string, string>
        {
            ["PWMK_API_KEY"] = Key,
            ["PWMK_FSYNC"] = fsync,
            ["PWMK_SNAPSHOT_EVERY"] = "40", // snapshots and compaction happen between kills too
        });
    }

    /// <summary>What the client knows of each fact it wrote: present, absent, or unknown (the last write got no answer).</summary>
    private sealed class Truth
    {
        public readonly Dictionary<string, bool?> State = [];
        public int Acknowledged;
        public int Unanswered;

        /// <summary>Completed by the first acknowledged write after <see cref="AwaitFirstWrite"/>.</summary>
        private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A task that completes once a write is acknowledged from now on (the server is taking load).</summary>
        public Task AwaitFirstWrite()
        {
            lock (this) return (_written = new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        /// <summary>Records an acknowledged write (call under the lock).</summary>
        public void Acknowledge()
        {
            Acknowledged++;
            _written.TrySetResult();
        }
    }

    private static async Task WriteLoad(HttpClient http, int writer, int cycle, Truth truth, Random rng, CancellationToken stop)
    {
        var mine = new List<string>();
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            string key;
            HttpMethod method;
            object body;
            double dice;
            lock (rng) dice = rng.NextDouble();
            string id = $"{cycle}_{n}";
            if (dice < 0.15 && mine.Count > 0)
            {
                key = mine[^1];
                mine.RemoveAt(mine.Count - 1);
                method = HttpMethod.Delete;
                body = key.StartsWith("c(", StringComparison.Ordinal)
                    ? new { belief = key }
                    : new { agent = $"w{writer}", belief = key[(key.IndexOf(',', StringComparison.Ordinal) + 1)..^1] };
            }
            else if (dice < 0.6)
            {
                key = $"c(w{writer},n{id})";
                method = HttpMethod.Post;
                body = new { belief = key };
            }
            else
            {
                key = $"believes(w{writer},saw(n{id},'x y'))";
                method = HttpMethod.Post;
                body = new { agent = $"w{writer}", belief = $"saw(n{id}, 'x y')" };
            }
            lock (truth) truth.State[key] = null;
            var req = new HttpRequestMessage(method, "/api/beliefs") { Content = JsonContent.Create(body) };
            req.Headers.Add("X-API-Key", Key);
            HttpResponseMessage r;
            try
            {
                r = await http.SendAsync(req, CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                lock (truth) truth.Unanswered++;
                return; // the server is gone
            }
            bool? now = (method == HttpMethod.Post, (int)r.StatusCode) switch
            {
                (true, 200 or 201) => true,
                (false, 200 or 404) => false,
                _ => throw new InvalidOperationException($"unexpected {(int)r.StatusCode} for {method} {key}: {await r.Content.ReadAsStringAsync()}"),
            };
            lock (truth)
            {
                truth.State[key] = now;
                truth.Acknowledge();
            }
            if (now == true) mine.Add(key);
        }
    }

    private static readonly string[] s_queries =
    [
        "c(W, I)",
        "believes(W, saw(I, S))",
        "c(W, I), believes(W, saw(I, _))",
        "findall(I, c(w0, I), L), length(L, N)",
        "believes(w1, B), \\+ c(w1, _)",
    ];

    private static async Task<List<string>> Ask(HttpClient http, string query)
    {
        var r = await http.PostAsJsonAsync("/api/beliefs/query", new { query, limit = 10_000 });
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{query}: {(int)r.StatusCode} {text}");
        var j = JsonDocument.Parse(text).RootElement;
        Assert.False(j.GetProperty("truncated").GetBoolean());
        return Sorted(j.GetProperty("solutions").EnumerateArray().Select(s => string.Join(";", s.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()))));
    }

    private static List<string> Sorted(IEnumerable<string> items) => [.. items.Order(StringComparer.Ordinal)];

    /// <summary>Every acknowledged write is there, nothing else is, and queries answer as on a reference store replaying the acknowledged writes.</summary>
    private static async Task Verify(HttpClient http, Truth truth)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in await Ask(http, "c(W, I)")) present.Add($"c({Field(s, "W")},{Field(s, "I")})");
        foreach (var s in await Ask(http, "believes(W, saw(I, S))")) present.Add($"believes({Field(s, "W")},saw({Field(s, "I")},{Field(s, "S")}))");
        var reference = new BeliefStore();
        lock (truth)
        {
            foreach (var p in present) Assert.True(truth.State.ContainsKey(p), $"{p} is in the store but was never written");
            foreach (var (fact, state) in truth.State.ToList())
            {
                bool actual = present.Contains(fact);
                if (state is { } known) Assert.True(known == actual, $"{fact}: acknowledged as {(known ? "present" : "absent")}, found {(actual ? "present" : "absent")}");
                else truth.State[fact] = actual; // an unanswered write may or may not have happened; from now on it is known
                if (actual) reference.AssertFact(fact);
            }
        }
        foreach (var q in s_queries)
        {
            var expected = Sorted(reference.Query(q, new Pwmk.Logic.QueryOptions { MaxSolutions = 10_000 }).Solutions
                .Select(s => string.Join(";", s.Bindings.Select(b => b.Key + "=" + b.Value))));
            Assert.Equal(expected, await Ask(http, q));
        }
    }

    /// <summary>One fact of each predicate the queries name, so that they exist even before the load.</summary>
    private static async Task Seed(HttpClient http, Truth truth)
    {
        foreach (var (agent, belief, key) in new[] { ((string?)null, "c(seed, n0)", "c(seed,n0)"), ("seed", "saw(n0, s)", "believes(seed,saw(n0,s))") })
        {
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/beliefs") { Content = JsonContent.Create(new { agent, belief }) };
            req.Headers.Add("X-API-Key", Key);
            Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(req)).StatusCode);
            lock (truth) truth.State[key] = true;
        }
    }

    private static string Field(string solution, string name) =>
        solution.Split(';').First(p => p.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

    [Fact]
    public async Task EveryAcknowledgedWriteSurvivesRepeatedSigkillAndTheStoreAnswersLikeAReplay()
    {
        var dir = Directory.CreateTempSubdirectory("pwmk-crash-").FullName;
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}, state {dir}");
        var rng = new Random(seed);
        var truth = new Truth();
        var watch = Stopwatch.StartNew();
        try
        {
            for (int cycle = 0; cycle < Kills; cycle++)
            {
                using var child = StartChild(dir);
                await child.WaitLive();
                if (cycle == 0) await Seed(child.Http, truth);
                await Verify(child.Http, truth);
                using var stop = new CancellationTokenSource();
                var written = truth.AwaitFirstWrite();
                var load = Enumerable.Range(0, Writers).Select(w => WriteLoad(child.Http, w, cycle, truth, rng, stop.Token)).ToArray();
                // the kill comes at a random moment once the server takes writes (its first ones may wait for the silo's
                // first activations, which under load took the whole random delay: too few writes per cycle to test)
                await written.WaitAsync(TimeSpan.FromSeconds(60));
                int delay;
                lock (rng) delay = rng.Next(0, 400);
                await Task.Delay(delay);
                child.Kill();
                stop.Cancel();
                await Task.WhenAll(load);
                Assert.DoesNotContain("are missing", child.Log, StringComparison.Ordinal);
                Assert.DoesNotContain("damaged before its end", child.Log, StringComparison.Ordinal);
            }
            output.WriteLine($"{Kills} kills, {truth.Acknowledged} acknowledged writes, {truth.Unanswered} unanswered, {watch.Elapsed.TotalSeconds:F1} s");
            Assert.True(truth.Acknowledged > Kills * 5, $"too little load: {truth.Acknowledged} acknowledged writes");
            Assert.NotEmpty(Directory.GetFiles(dir, "snapshot-*.pwsnap"));

            using var last = StartChild(dir, fsync: "batched");
            await last.WaitLive();
            await Verify(last.Http, truth);

            // the state directory is locked: a second server refuses to start, exit code 2
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "pwmk.dll"), "serve", "--urls", $"http://127.0.0.1:{Loopback.FreePort()}", "--state-dir", dir, "--no-simulation" })
                psi.ArgumentList.Add(a);
            using (var second = Process.Start(psi)!)
            {
                var stdout = second.StandardOutput.ReadToEndAsync();
                var err = await second.StandardError.ReadToEndAsync();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await second.WaitForExitAsync(cts.Token);
                await stdout;
                Assert.Equal(2, second.ExitCode);
                Assert.Contains("in use by another PWMK server", err);
            }
            Assert.Equal(HttpStatusCode.OK, (await last.Http.GetAsync("/live")).StatusCode);

            // SIGTERM under --fsync batched: writes acknowledged before their fsync are flushed, a final snapshot is written, exit 0 in bounded time
            using (var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
                await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => WriteLoad(last.Http, w, Kills, truth, rng, stop.Token)));
            var stopping = Stopwatch.StartNew();
            using (var term = Process.Start("kill", ["-TERM", last.Process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20))) await last.Process.WaitForExitAsync(cts.Token);
            output.WriteLine($"graceful shutdown in {stopping.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(0, last.Process.ExitCode);
            Assert.Contains("snapshot", last.Log, StringComparison.Ordinal);
            using var after = StartChild(dir);
            await after.WaitLive();
            await Verify(after.Http, truth);
            Assert.Contains(", 0 journal records replayed", after.Log, StringComparison.Ordinal); // the final snapshot holds everything
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
