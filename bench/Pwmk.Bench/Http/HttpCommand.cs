using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Pwmk.Bench.Shared;
using Pwmk.Cli;

namespace Pwmk.Bench.Http;

/// <summary>
/// <c>pwmk-bench http</c>: the belief point query over HTTP, <c>pwmk serve</c> (background simulation off) against a
/// bare ASP.NET Core endpoint doing the same lookup (<see cref="BareEndpoint"/>), both warm, loaded by <c>wrk</c> in
/// interleaved runs (A B, B A, ...); then <c>pwmk serve</c> with its simulation on, alone, for the latency goal.
/// </summary>
internal static class HttpCommand
{
    private const string Body = """{"query":"believes(agent_3, at(obj_3, room_3))","limit":1}""";

    /// <summary>The beliefs both servers hold: at(obj_i, room_(i mod 7)) spread over 10 agents, as bench/load/run.sh loads them.</summary>
    public static IEnumerable<(string Agent, string Belief)> Beliefs(int n)
    {
        for (int i = 0; i < n; i++) yield return ($"agent_{i % 10}", $"at(obj_{i}, room_{i % 7})");
    }

    public static Command Create()
    {
        var pairs = new Option<int>("--pairs") { Description = "Pairs of wrk runs (PWMK, bare endpoint; order alternating)", DefaultValueFactory = _ => 5 };
        var seconds = new Option<int>("--seconds") { Description = "Seconds of each wrk run", DefaultValueFactory = _ => 5 };
        var connections = new Option<int>("--connections") { Description = "wrk connections (one wrk thread)", DefaultValueFactory = _ => 32 };
        var simRuns = new Option<int>("--simulation-runs") { Description = "wrk runs against pwmk serve with its simulation on (0: none)", DefaultValueFactory = _ => 3 };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("http", "The point query over HTTP: pwmk serve against a bare ASP.NET Core endpoint doing the same lookup, wrk runs interleaved")
        {
            pairs, seconds, connections, simRuns, format,
        };
        cmd.SetAction(p => Run(p.GetValue(pairs), p.GetValue(seconds), p.GetValue(connections), p.GetValue(simRuns), p.GetValue(format) == "json"));
        return cmd;
    }

    private static int Run(int pairs, int seconds, int connections, int simRuns, bool json)
    {
        const int facts = 1000;
        string? root = Repository.Root();
        string? error = pairs is < 1 or > 100 || seconds is < 1 or > 600 || connections is < 1 or > 1000 || simRuns is < 0 or > 100
            ? "--pairs 1..100, --seconds 1..600, --connections 1..1000, --simulation-runs 0..100"
            : root is null ? "pwmk-bench http: run it from a PWMK checkout (it starts ./pwmk serve)"
            : !File.Exists("/usr/bin/wrk") ? "pwmk-bench http: /usr/bin/wrk not found (Debian package wrk)"
            : null;
        if (error is not null)
        {
            Console.Error.WriteLine(error);
            return Program.BadInput;
        }
        var progress = ProgressLine.For(Console.Error, json);
        string work = Directory.CreateTempSubdirectory("pwmk-http-").FullName;
        try
        {
            string script = Path.Combine(work, "query.lua");
            File.WriteAllText(script, File.ReadAllText(Path.Combine(root!, "bench", "load", "query.lua")) + File.ReadAllText(Path.Combine(root!, "bench", "load", "report.lua")));
            var report = new PairedReport("The belief point query over HTTP: pwmk serve against a bare ASP.NET Core endpoint with the same lookup");
            report.Fact("pwmk", "./pwmk serve --rate-limit 0 --no-simulation --state-dir TMP (JIT build, Release), 1,000 beliefs loaded through POST /api/beliefs");
            report.Fact("anchor", "pwmk-bench http-bare URL 1000: WebApplication.CreateSlimBuilder, one MapPost route, source-generated JSON, the same BeliefStore lookup and answer shape, the same 1,000 beliefs");
            report.Fact("load", $"wrk -t1 -c{connections} -d{seconds}s --latency -s bench/load/query.lua+report.lua: POST /api/beliefs/query {Body} ({Versions.First("/usr/bin/wrk", "-v")})");
            report.Fact("threads", "both servers: the ASP.NET Core defaults (thread pool over 2 cores); wrk on the same 2 cores");
            report.Fact("server CPU", "each server's own CPU time (user + system, /proc) during its wrk run, over the requests it answered: the ratio that does not depend on how much CPU wrk and the other processes leave it");
            using (var pwmk = Server.Start(root!, work, simulation: false))
            using (var bare = Server.Bare(work, facts))
            {
                progress.Run("starting both servers, loading 1,000 beliefs into pwmk serve", () =>
                {
                    pwmk.WaitLive();
                    bare.WaitLive();
                    pwmk.LoadBeliefs(facts);
                    string a = pwmk.PointQuery(), b = bare.PointQuery();
                    if (a != b) throw new InvalidOperationException($"the two servers answer differently: {a} / {b}");
                    return 0;
                });
                Wrk(pwmk.Url, script, 3, connections);
                Wrk(bare.Url, script, 3, connections);
                JsonNode? ours = null, theirs = null;
                double oursCpu = 0, theirsCpu = 0;
                var runs = new List<Action<int>>
                {
                    r =>
                    {
                        progress.Draw(2 * r, 2 * pairs, $"pwmk serve, pair {r + 1}/{pairs}", force: true);
                        (ours, oursCpu) = pwmk.Measure(() => Wrk(pwmk.Url, script, seconds, connections));
                    },
                    r =>
                    {
                        progress.Draw(2 * r + 1, 2 * pairs, $"bare endpoint, pair {r + 1}/{pairs}", force: true);
                        (theirs, theirsCpu) = bare.Measure(() => Wrk(bare.Url, script, seconds, connections));
                    },
                };
                PairedReport.Rounds(pairs, runs, warmUp: false, afterRound: _ =>
                {
                    const string kind = "HTTP, warm server";
                    report.Measure("point query: throughput", "req/s", kind, "wall", Better.Higher).Add(Num(ours!, "rps"), Num(theirs!, "rps"));
                    report.Measure("point query: p50 latency", "ms", kind, "wall", Better.Lower).Add(Num(ours!, "p50_ms"), Num(theirs!, "p50_ms"));
                    report.Measure("point query: p99 latency", "ms", kind, "wall", Better.Lower).Add(Num(ours!, "p99_ms"), Num(theirs!, "p99_ms"));
                    // what a request costs the server whatever CPU wrk leaves it: its CPU time (user + system) over the requests answered
                    report.Measure("point query: server CPU per request", "µs", kind, "server process CPU (user + system)", Better.Lower)
                        .Add(1e6 * oursCpu / Num(ours!, "requests"), 1e6 * theirsCpu / Num(theirs!, "requests"));
                });
            }
            if (simRuns > 0)
            {
                using var sim = Server.Start(root!, work, simulation: true);
                progress.Run("pwmk serve with the simulation on: starting, loading 1,000 beliefs", () =>
                {
                    sim.WaitLive();
                    sim.LoadBeliefs(facts);
                    return 0;
                });
                Wrk(sim.Url, script, 3, connections);
                var p99 = new List<double>();
                var rps = new List<double>();
                for (int r = 0; r < simRuns; r++)
                {
                    progress.Draw(r, simRuns, $"pwmk serve, simulation on, run {r + 1}/{simRuns}", force: true);
                    var w = Wrk(sim.Url, script, seconds, connections);
                    p99.Add(Num(w, "p99_ms"));
                    rps.Add(Num(w, "rps"));
                }
                report.Fact("pwmk serve, simulation on (no anchor: the goal is p99 < 10 ms)", string.Create(CultureInfo.InvariantCulture,
                    $"{simRuns} wrk runs alone, same load: p99 median {PairedMeasure.Median(p99):F2} ms [{p99.Min():F2}, {p99.Max():F2}], throughput median {PairedMeasure.Median(rps):F0} req/s [{rps.Min():F0}, {rps.Max():F0}]"));
            }
            progress.Clear();
            report.Write(Console.Out, json);
            return Program.Ok;
        }
        catch (InvalidOperationException e)
        {
            progress.Clear();
            Console.Error.WriteLine($"pwmk-bench http: {e.Message}");
            return Program.BadInput;
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    private static double Num(JsonNode n, string key) => n[key]!.GetValue<double>();

    /// <summary>One wrk run; its WRKJSON line, checked: every response 2xx, no socket error.</summary>
    private static JsonNode Wrk(string url, string script, int seconds, int connections)
    {
        var r = ChildProcess.Run("/usr/bin/wrk", ["-t1", $"-c{connections}", $"-d{seconds}s", "--latency", "-s", script, url], timeoutMs: (seconds + 60) * 1000);
        string? line = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("WRKJSON ", StringComparison.Ordinal));
        if (r.ExitCode != 0 || line is null) throw new InvalidOperationException($"wrk failed (exit {r.ExitCode}): {r.Stdout}{r.Stderr}");
        var n = JsonNode.Parse(line["WRKJSON ".Length..])!;
        if (Num(n, "status_2xx") != Num(n, "requests") || Num(n, "socket_errors") != 0)
            throw new InvalidOperationException($"{url}: not every response was 2xx, or sockets failed: {line}");
        return n;
    }

    /// <summary>A server process on a free loopback port, killed on dispose.</summary>
    private sealed class Server : IDisposable
    {
        private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(30) };
        private readonly Process _process;
        private readonly StringBuilder _log = new();

        private Server(string file, IEnumerable<string> args, Func<string, IEnumerable<string>> urlArgs)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
            listener.Stop();
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args.Concat(urlArgs(Url))) psi.ArgumentList.Add(a);
            psi.Environment.Remove("PWMK_API_KEY");
            _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
            _process.OutputDataReceived += (_, e) => Keep(e.Data);
            _process.ErrorDataReceived += (_, e) => Keep(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Url { get; }

        /// <summary>Runs <paramref name="load"/>; its result and the CPU seconds (user + system) this server used meanwhile.</summary>
        public (JsonNode Result, double CpuSeconds) Measure(Func<JsonNode> load)
        {
            _process.Refresh();
            var before = _process.TotalProcessorTime;
            var result = load();
            _process.Refresh();
            return (result, (_process.TotalProcessorTime - before).TotalSeconds);
        }

        public static Server Start(string root, string work, bool simulation)
        {
            string state = Directory.CreateDirectory(Path.Combine(work, simulation ? "state-simulation" : "state")).FullName;
            return new Server(Path.Combine(root, "pwmk"), ["serve", "--rate-limit", "0", "--state-dir", state, .. simulation ? Array.Empty<string>() : ["--no-simulation"]], u => ["--urls", u]);
        }

        public static Server Bare(string work, int facts) =>
            new("dotnet", [typeof(Program).Assembly.Location, "http-bare"], u => [u, facts.ToString(CultureInfo.InvariantCulture)]);

        private void Keep(string? line)
        {
            if (line is null) return;
            lock (_log)
            {
                if (_log.Length < 20_000) _log.AppendLine(line);
            }
        }

        /// <summary>Waits (up to five minutes: the launcher may build first) until /live answers.</summary>
        public void WaitLive()
        {
            long start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start) < TimeSpan.FromMinutes(5))
            {
                if (_process.HasExited) throw new InvalidOperationException($"the server at {Url} exited: {Log()}");
                try
                {
                    if (s_http.GetAsync(Url + "/live").GetAwaiter().GetResult().IsSuccessStatusCode) return;
                }
                catch (HttpRequestException)
                {
                }
                Thread.Sleep(100); // polling a child process's port: there is no event to wait on
            }
            throw new InvalidOperationException($"the server at {Url} did not answer /live within 5 minutes: {Log()}");
        }

        public void LoadBeliefs(int n)
        {
            foreach (var (agent, belief) in Beliefs(n))
            {
                var body = new JsonObject { ["agent"] = agent, ["belief"] = belief }.ToJsonString();
                var r = s_http.PostAsync(Url + "/api/beliefs", new StringContent(body, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
                if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"POST /api/beliefs gave {(int)r.StatusCode}");
            }
        }

        /// <summary>The answer to the benchmark's query, without its timing.</summary>
        public string PointQuery()
        {
            var r = s_http.PostAsync(Url + "/api/beliefs/query", new StringContent(Body, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
            var n = JsonNode.Parse(r.Content.ReadAsStringAsync().GetAwaiter().GetResult())!.AsObject();
            n.Remove("elapsedMs");
            return $"{(int)r.StatusCode} {n.ToJsonString()}";
        }

        private string Log()
        {
            lock (_log) return _log.ToString();
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
