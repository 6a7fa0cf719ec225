using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pwmk.Server.Tests.Durability;
using Xunit.Abstractions;

namespace Pwmk.Server.Tests;

/// <summary>
/// A corpus of hostile queries sent by a client without a key to a real <c>pwmk serve</c> process: every change of
/// shared state reached by every meta-call path, rules of the store that change it, the outside world, resource bombs
/// (alone and four at once), deep terms and atom-table floods. Each gets an answer (never a 5xx other than the budget's
/// 503, never a dropped connection); afterwards the store, its fact counts, the metrics, the operator table, the flags
/// and the global variables are as they were, the server is healthy and its memory is back.
/// </summary>
[Trait("Category", "Integration")]
public class HostileQueryCorpusTests(ITestOutputHelper output)
{
    /// <summary>The store the server starts with (a legacy beliefs.pl it imports): facts, a functional predicate, rules that would write.</summary>
    private const string Program = """
        believes(agent_0, at(treasure, room_1)).
        believes(agent_1, at(treasure, room_2)).
        believes(agent_0, believes(agent_1, at(treasure, room_1))).
        believes(agent_0, topic(consult)).
        world(at(key, room_3)).
        knows_where(A, O) :- believes(A, at(O, _)).
        sneaky :- retract(believes(agent_0, at(treasure, room_1))).
        planter(X) :- assertz(believes(agent_1, X)).
        :- table reach/2.
        reach(X, Y) :- believes(X, at(_, Y)).
        reach(X, Y) :- reach(X, Z), believes(Z, at(_, Y)).
        """;

    /// <summary>Goals that change shared state (each does when run by the store's writer).</summary>
    private static readonly string[] Changes =
    [
        "assertz(believes(agent_0, at(treasure, attacker_room)))", "asserta(believes(x, y))", "assert(world(at(door, open)))",
        "assertz((evil :- true))", "retract(believes(agent_0, at(treasure, room_1)))", "retract((knows_where(_, _) :- _))",
        "retractall(believes(_, _))", "abolish(believes/2)", "clause(believes(_, _), true, R), erase(R)",
        "op(0, xfx, =)", "op(700, xfx, knows)", "set_prolog_flag(double_quotes, atom)", "set_prolog_flag(unknown, fail)",
        "nb_setval(leak, secret)", "dynamic(fresh/1)", "table(fresh/1)",
    ];

    /// <summary>Ways to reach a goal (GOAL), including names built at run time.</summary>
    private static readonly string[] Paths =
    [
        "GOAL", "call(GOAL)", "findall(x, GOAL, _)", "forall(true, GOAL)", "\\+ GOAL", "catch(GOAL, E, throw(E))",
        "once((fail ; GOAL))", "T = (GOAL), T =.. [F|As], G =.. [F|As], call(G)", "G = (GOAL), maplist(call, [G])",
        "term_to_atom(T, 'GOALTEXT'), call(T)",
    ];

    /// <summary>Goals that change shared state under a name built at run time (no written name to look for).</summary>
    private static readonly string[] BuiltNames =
    [
        "atom_codes(P, \"assertz\"), G =.. [P, believes(agent_0, at(treasure, attacker_room))], call(G)",
        "atom_codes(P, \"retract\"), G =.. [P, believes(agent_0, at(treasure, room_1))], call(G)",
        "atom_codes(P, \"retractall\"), G =.. [P, believes(_, _)], call(G)",
        "atom_codes(P, \"abolish\"), call(P, believes/2)",
        "atom_concat(assert, z, P), call(P, world(x))",
        "atom_concat(set_prolog_, flag, P), call(P, double_quotes, atom)",
        "call(op, 0, xfx, =)", "call(set_prolog_flag, double_quotes, atom)", "call(nb_setval, leak, 1)",
        "sub_atom(xxretractallxx, 2, 10, _, P), G =.. [P, world(_)], call(G)",
        "atom_string(P, \"erase\"), clause(believes(_, _), true, R), call(P, R)",
        "upcase_atom(assertz, U), downcase_atom(U, P), call(P, world(y))",
    ];

    /// <summary>Rules of the store that write, reached from a query.</summary>
    private static readonly string[] StoreRules =
        ["sneaky", "planter(at(a, b))", "call(sneaky)", "findall(x, sneaky, _)", "\\+ planter(q)", "catch(sneaky, _, true), sneaky"];

    /// <summary>The outside world: files, streams, processes, the server itself.</summary>
    private static readonly string[] OutsideWorld =
    [
        "halt", "halt(0)", "consult('beliefs.pl')", "open('hostile_out', write, S)", "see('beliefs.pl')",
        "tell('hostile_out')", "shell('touch hostile_out')", "use_module(library(lists))", "ensure_loaded(foo)",
        "load_files(foo, [])", "set_stream(user_output, alias(x))", "setenv(x, y)", "read_term(T, [])", "recorda(k, v)",
        "flag(k, _, 1)", "garbage_collect", "abolish_all_tables", "thread_create(true, _, [])",
    ];

    /// <summary>Resource bombs: memory, time, output, atoms, deep and cyclic terms.</summary>
    private static readonly string[] Bombs =
    [
        "length(L, 100000000)", "numlist(1, 100000000, L)", "findall(X, between(1, inf, X), L)", "between(1, inf, _), fail",
        "length(L, 10000000), maplist(=(0'a), L), atom_codes(A, L), atom_length(A, N)",
        "between(1, 2000000, N), atom_number(A, N), atom_concat(flood_, A, B), atom_length(B, _), fail",
        "findall(B, (between(1, 300000, N), atom_number(A, N), atom_concat(flood_, A, B)), L), length(L, Len)",
        "between(1, 300000, N), number_codes(N, C), atom_codes(A, [0'f|C]), functor(_, A, 7), fail",
        "forall(between(1, inf, _), write(xxxxxxxxxxxxxxxx))", "length(L, 1000000), format('~w', [L])",
        "X = f(X), copy_term(X, Y)", "X = f(X), write(X)", "X = f(X), Y = f(Y), X == Y", "X = [a|X], length(X, N)",
        "numlist(1, 2000000, L), foldl([E, A0, f(A0)]>>true, L, z, T), term_to_atom(T, A)",
        "numlist(1, 3000000, L), foldl([E, A0, f(A0)]>>true, L, z, T), copy_term(T, T2), T == T2",
        "length(L, 5000000), msort(L, S)", "atom_length(A, N)", "sub_atom(abc, B, L, A, S), fail ; length(X, 50000000)",
        "catch(length(L, 100000000), E, true), length(L2, 100000000)", "findall(L, (between(1, 100, _), length(L, 1000000)), Ls)",
        "tab(100000000)", "format('~*c', [100000000, 0'x])", "atom_to_term('f(X, Y, X)', T, B), numlist(1, 60000000, L)",
        "string_concat(S1, S2, \"abcdefghij\"), fail", "length(L, N), N > 100000000", "reach(agent_0, X)",
        "repeat, fail", "catch(throw(ball), _, fail) ; length(L, 80000000)", "succ_or_fail(1)",
    ];

    private static IEnumerable<string> Corpus()
    {
        foreach (var c in Changes)
            foreach (var p in Paths)
                yield return p.Replace("GOALTEXT", "(" + c.Replace("'", "\\'") + ")", StringComparison.Ordinal).Replace("GOAL", "(" + c + ")", StringComparison.Ordinal);
        foreach (var q in BuiltNames.Concat(StoreRules).Concat(OutsideWorld).Concat(Bombs)) yield return q;
        // deep terms in the query text itself (the parser must not recurse on them)
        yield return "X = " + new string('[', 100_000) + new string(']', 100_000);
        yield return "X = " + string.Concat(Enumerable.Repeat("f(", 100_000)) + "a" + new string(')', 100_000);
        yield return "X = " + string.Concat(Enumerable.Repeat("- ", 100_000)) + "a";
        yield return "X = " + new string('(', 100_000) + "a" + new string(')', 100_000);
        yield return "X = " + string.Join(", ", Enumerable.Repeat("a", 50_000)) + "";
    }

    /// <summary>Everything a query could have changed, as one text (read through the API like any client).</summary>
    private static async Task<string> StateOf(HttpClient http)
    {
        string[] probes =
        [
            "findall(A-B, believes(A, B), L), msort(L, S)", "findall(F, world(F), L), msort(L, S)",
            "findall(H-B, (member(H, [knows_where(_, _), sneaky, planter(_)]), clause(H, B)), S)",
            "findall(P-T-N, current_op(P, T, N), L), msort(L, S)", "findall(F-V, current_prolog_flag(F, V), L), msort(L, S)",
            "findall(P, current_predicate(P), L), msort(L, S)", "findall(K, catch(nb_getval(leak, K), _, fail), S)",
            "X = (a = b), X = (_ = _), S = ok",
        ];
        var parts = new List<string>();
        foreach (var q in probes)
        {
            var r = await http.PostAsJsonAsync("/api/beliefs/query", new { query = q });
            var text = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{q}: {r.StatusCode} {text}");
            parts.Add(JsonDocument.Parse(text).RootElement.GetProperty("solutions")[0].GetProperty("S").GetString()!);
        }
        var snap = JsonDocument.Parse(await http.GetStringAsync("/api/snapshot")).RootElement;
        parts.Add("facts " + snap.GetProperty("factCount").GetInt32() + ", agents " + snap.GetProperty("agents"));
        var metrics = await http.GetStringAsync("/metrics");
        parts.AddRange(metrics.Split('\n').Where(l => l.StartsWith("pwmk_belief_store_facts_total", StringComparison.Ordinal)
            || l.StartsWith("pwmk_belief_updates_total", StringComparison.Ordinal)));
        return string.Join("\n", parts);
    }

    /// <summary>
    /// Asks for /health one request after another (ten a second at most) until <paramref name="stop"/>: how many answered,
    /// the slowest answer, and the first failure (not 200, no answer within 30 s), if any.
    /// </summary>
    private static async Task<(int Probed, TimeSpan Slowest, string? Failure)> ProbeHealth(Uri? address, CancellationToken stop)
    {
        using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        int probed = 0;
        var slowest = TimeSpan.Zero;
        try
        {
            do
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                string? failure = null;
                try
                {
                    using var h = await probe.GetAsync("/health", stop);
                    if (h.StatusCode != HttpStatusCode.OK) failure = $"/health answered {(int)h.StatusCode}: {await h.Content.ReadAsStringAsync(stop)}";
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    failure = $"/health did not answer: {e.Message}";
                }
                var took = System.Diagnostics.Stopwatch.GetElapsedTime(t0);
                if (stop.IsCancellationRequested) break;   // a probe cut short by the end of the test is not counted
                probed++;
                if (took > slowest) slowest = took;
                if (failure is not null) return (probed, slowest, failure);
            }
            while (await pace.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        return (probed, slowest, null);
    }

    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("no VmRSS");
    }

    [Fact]
    public async Task Hostile_queries_change_nothing_and_the_server_stays_healthy_with_its_memory_back()
    {
        if (!OperatingSystem.IsLinux()) return;   // reads resident memory from /proc
        var corpus = Corpus().ToList();
        Assert.True(corpus.Count >= 150, $"{corpus.Count} queries");
        var dir = Directory.CreateTempSubdirectory("pwmk-hostile-").FullName;
        File.WriteAllText(Path.Combine(dir, "beliefs.pl"), Program);
        int port = Loopback.FreePort();
        using var server = new ChildServer(ChildServer.ServeCommand(port, dir, "--rate-limit", "0", "--no-simulation", "--max-body-bytes", "4000000"), port, dir);
        try
        {
            await server.WaitLive();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            var health = await http.GetAsync("/health");
            Assert.True(health.StatusCode == HttpStatusCode.OK, await health.Content.ReadAsStringAsync());
            var before = await StateOf(http);
            Assert.DoesNotContain("attacker", before, StringComparison.Ordinal);
            Assert.Contains("topic(consult)", before, StringComparison.Ordinal);
            long rssBefore = ResidentBytes(server.Process.Id);

            // /health answers within its 5 s throughout: a prober asks for it all the time the corpus and the bombs run
            using var stopProbing = new CancellationTokenSource();
            var prober = ProbeHealth(http.BaseAddress, stopProbing.Token);

            var statuses = new Dictionary<int, int>();
            foreach (var q in corpus)
            {
                var r = await http.PostAsJsonAsync("/api/beliefs/query", new { query = q, timeoutMs = 2_000 });
                var text = await r.Content.ReadAsStringAsync();
                int code = (int)r.StatusCode;
                statuses[code] = statuses.GetValueOrDefault(code) + 1;
                string shown = q.Length > 120 ? q[..120] + "..." : q;
                Assert.True(code is 200 or 400 or 408 or 413 or 422 or 503, $"{shown}: {code} {text}");
                if (code != 200)
                {
                    Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
                    Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
                }
                if (code == 503) Assert.NotNull(r.Headers.RetryAfter);
                Assert.False(server.Process.HasExited, $"the server exited after {shown}: {server.Log}");
            }
            output.WriteLine($"{corpus.Count} queries: " + string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} x{kv.Value}")));

            // every change of shared state is refused as such
            foreach (var q in corpus.Take(Changes.Length * Paths.Length).Concat(BuiltNames).Concat(StoreRules))
            {
                var r = await http.PostAsJsonAsync("/api/beliefs/query", new { query = q });
                var text = await r.Content.ReadAsStringAsync();
                Assert.True(r.StatusCode == HttpStatusCode.UnprocessableEntity && text.Contains("permission_error(modify,", StringComparison.Ordinal), $"{q}: {r.StatusCode} {text}");
            }

            // four memory bombs at once (every query slot of a 2-core server): each ends with an answer
            var bombs = Enumerable.Range(0, 4).Select(_ => http.PostAsJsonAsync("/api/beliefs/query", new { query = "length(L, 100000000)", timeoutMs = 30_000 })).ToList();
            foreach (var b in bombs) Assert.True((await b).StatusCode is HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity or HttpStatusCode.ServiceUnavailable);

            stopProbing.Cancel();
            var (probed, slowest, failure) = await prober;
            output.WriteLine($"/health asked {probed} times during the corpus and the bombs, slowest answer {slowest.TotalMilliseconds:F0} ms (load average {File.ReadAllText("/proc/loadavg").Trim()})");
            Assert.Null(failure);
            Assert.True(probed >= 2, $"/health asked {probed} times");
            Assert.True(slowest < TimeSpan.FromSeconds(5), $"/health took {slowest.TotalMilliseconds:F0} ms");

            Assert.Equal(before, await StateOf(http));
            health = await http.GetAsync("/health");
            Assert.True(health.StatusCode == HttpStatusCode.OK, await health.Content.ReadAsStringAsync());
            Assert.False(File.Exists(Path.Combine(dir, "hostile_out")), "a query wrote a file");
            long rssAfter = 0;
            await server.WaitFor(async () =>
            {
                await http.GetAsync("/live");
                rssAfter = ResidentBytes(server.Process.Id);
                return rssAfter <= rssBefore + (300L << 20) ? 0 : null;
            });
            output.WriteLine($"resident memory {rssBefore >> 20} MiB before, {rssAfter >> 20} MiB after");
        }
        finally
        {
            server.Kill();
            Directory.Delete(dir, true);
        }
    }
}
