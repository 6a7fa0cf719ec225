using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pwmk.Server.Tests.Fuzz;

/// <summary>
/// Random and mutated JSON bodies and query strings, huge bodies and deeply nested JSON and Prolog terms against the
/// in-memory server: every answer is below 500, every 4xx is an RFC 9457 problem, nothing hangs, and the server still
/// answers a simple query afterwards. <c>PWMK_FUZZ_CASES</c> raises the case count (docs/FUZZING.md).
/// </summary>
public sealed class ApiFuzzTests
{
    private static readonly TimeSpan s_requestLimit = TimeSpan.FromSeconds(20);

    private static readonly Dictionary<string, string?> s_settings = new()
    {
        ["Pwmk:QueryTimeoutMs"] = "200",
        ["Pwmk:PlanTimeoutMs"] = "300",
        ["Pwmk:MaxTimeoutMs"] = "500",
        ["Pwmk:MaxSimulations"] = "2",
    };

    private static readonly (HttpMethod Method, string Path, string Body)[] s_seeds =
    [
        (HttpMethod.Post, "/api/beliefs/query", """{"query": "believes(X, at(key, R))", "limit": 5, "timeoutMs": 200}"""),
        (HttpMethod.Post, "/api/beliefs/query", """{"query": "member(X, [a, b, c]), NOT believes(X, _) AND atom(X) OR X = 1"}"""),
        (HttpMethod.Post, "/api/beliefs", """{"agent": "agent_0", "belief": "at(key, 'Room 1')"}"""),
        (HttpMethod.Post, "/api/beliefs", """{"belief": "in(key, red_box)"}"""),
        (HttpMethod.Delete, "/api/beliefs", """{"agent": "agent_1", "belief": "at(key, red_box)"}"""),
        (HttpMethod.Post, "/api/plan", """
            {"goal": "in(key, blue_box) AND believes(agent_1, in(key, red_box))", "epistemic": ["believes(agent_0, in(key, blue_box))"],
             "maintenance": ["NOT in(key, green_box)"], "initialState": {"trueFacts": ["in(key, red_box)", "present(agent_1)"],
             "unknownTo": {"agent_1": ["in(key, blue_box)"]}}, "timeoutMs": 300, "maxDepth": 4}
            """),
        (HttpMethod.Post, "/api/simulations", """
            {"env": "rooms", "agents": 2, "tomDepth": 1, "seed": 3, "episodes": 1, "stepDelayMs": 50, "train": false,
             "maxStepsPerEpisode": 10, "mirrorBeliefs": true}
            """),
    ];

    private const string Alphabet = "()[]{},.;|:-!'\"`%/*\\^+=<>@#$&?0123456789aXz_ \n\t\u00e9\u0000\uFFFD\U0001F600";

    private static readonly string[] s_contentTypes =
        ["application/json", "application/json; charset=utf-8", "application/problem+json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"];

    /// <summary>Sends a request with a time bound; a request that does not finish within it is a hang.</summary>
    private static async Task<HttpResponseMessage> Send(ServerFixture s, HttpRequestMessage request, string what)
    {
        using var cts = new CancellationTokenSource(s_requestLimit);
        try
        {
            return await s.Client.SendAsync(request, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Assert.Fail($"hang: no answer within {s_requestLimit.TotalSeconds} s to {what}");
            throw;
        }
    }

    /// <summary>No 5xx; a 4xx is an RFC 9457 problem without stack traces; a 2xx is JSON.</summary>
    private static async Task<int> Check(HttpResponseMessage r, string what)
    {
        var text = await r.Content.ReadAsStringAsync();
        int status = (int)r.StatusCode;
        Assert.True(status < 500, $"{status} for {what}: {Clip(text)}");
        if (status >= 400)
        {
            Assert.True(r.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{status} without problem+json for {what}: {Clip(text)}");
            var j = JsonDocument.Parse(text).RootElement;
            Assert.Equal(status, j.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(j.GetProperty("title").GetString()), what);
            Assert.True(j.TryGetProperty("type", out _), what);
            Assert.DoesNotContain(" at Pwmk.", text, StringComparison.Ordinal);
            Assert.DoesNotContain(" at System.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("exception", text, StringComparison.OrdinalIgnoreCase);
            Assert.True(text.Length < 4096, $"{status} problem of {text.Length} characters (echoes the input?) for {what}: {Clip(text)}");
        }
        else if (r.Content.Headers.ContentLength is > 0)
        {
            JsonDocument.Parse(text).Dispose();
        }
        return status;
    }

    private static string Clip(string s, int max = 1500) => s.Length <= max ? s : s[..max] + $"... ({s.Length} chars)";

    private static async Task AssertStillAnswers(ServerFixture s)
    {
        var r = await s.PostJson("/api/beliefs/query", new { query = "X = ok" });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("ok", (await ServerFixture.Json(r)).GetProperty("solutions")[0].GetProperty("X").GetString());
    }

    private static async Task StopAll(ServerFixture s, string? keep)
    {
        var list = await ServerFixture.Json(await s.Client.GetAsync("/api/simulations"));
        foreach (var sim in list.EnumerateArray())
        {
            var id = sim.GetProperty("id").GetString()!;
            if (id != keep && sim.GetProperty("status").GetString() == "running")
                await s.Client.PostAsync($"/api/simulations/{id}/stop", null);
        }
    }

    private sealed class Gen(Random rnd)
    {
        public Random Rnd { get; } = rnd;

        public string Text(string s)
        {
            var b = new StringBuilder(s);
            int edits = 1 + Rnd.Next(4);
            for (int i = 0; i < edits; i++)
            {
                int at = b.Length == 0 ? 0 : Rnd.Next(b.Length);
                char c = Alphabet[Rnd.Next(Alphabet.Length)];
                switch (Rnd.Next(5))
                {
                    case 0 when b.Length > 0: b.Remove(at, 1); break;
                    case 1 when b.Length > 0: b[at] = c; break;
                    case 2 when b.Length > 0: b.Length = at; break;
                    case 3 when b.Length > 0:
                        int len = Math.Min(b.Length - at, 1 + Rnd.Next(30));
                        b.Insert(Rnd.Next(b.Length), b.ToString(at, len));
                        break;
                    default: b.Insert(at, c); break;
                }
            }
            return b.ToString();
        }

        public string Word()
        {
            var b = new StringBuilder();
            int n = Rnd.Next(12);
            for (int i = 0; i < n; i++) b.Append(Alphabet[Rnd.Next(Alphabet.Length)]);
            return b.ToString();
        }

        public JsonNode? Value(int depth = 0) => Rnd.Next(depth > 2 ? 6 : 9) switch
        {
            0 => null,
            1 => JsonValue.Create(Rnd.Next(2) == 0),
            2 => JsonValue.Create(Rnd.Next(4) switch { 0 => int.MaxValue, 1 => int.MinValue, 2 => 0, _ => Rnd.Next(-5, 50) }),
            3 => JsonValue.Create(Rnd.Next(3) switch { 0 => 1e300, 1 => -0.5, _ => 3.0000001 }),
            4 => JsonValue.Create(Word()),
            5 => JsonValue.Create(Text(s_terms[Rnd.Next(s_terms.Length)])),
            6 => new JsonArray([.. Enumerable.Range(0, Rnd.Next(4)).Select(_ => Value(depth + 1))]),
            7 => new JsonArray([.. Enumerable.Range(0, Rnd.Next(4)).Select(_ => (JsonNode?)JsonValue.Create(Text(s_terms[Rnd.Next(s_terms.Length)])))]),
            _ => Object(depth + 1),
        };

        private JsonObject Object(int depth)
        {
            var o = new JsonObject();
            int n = Rnd.Next(4);
            for (int i = 0; i < n; i++) o[Rnd.Next(2) == 0 ? Word() : s_names[Rnd.Next(s_names.Length)]] = Value(depth);
            return o;
        }

        /// <summary>Structural mutation: replace, drop or add a property (recursively into objects), or change its case.</summary>
        public JsonNode? Structure(JsonNode? node)
        {
            if (node is JsonObject o && o.Count > 0 && Rnd.Next(4) != 0)
            {
                var keys = o.Select(kv => kv.Key).ToList();
                var key = keys[Rnd.Next(keys.Count)];
                switch (Rnd.Next(6))
                {
                    case 0: o.Remove(key); break;
                    case 1: o[s_names[Rnd.Next(s_names.Length)]] = Value(); break;
                    case 2:
                        var v = o[key];
                        o.Remove(key);
                        o[key.ToUpperInvariant()] = v;
                        break;
                    case 3 when o[key] is JsonObject or JsonArray: o[key] = Structure(o[key]); break;
                    case 4 when o[key] is JsonValue jv && jv.TryGetValue(out string? str): o[key] = Text(str); break;
                    default: o[key] = Value(); break;
                }
                return o;
            }
            if (node is JsonArray a && a.Count > 0)
            {
                int at = Rnd.Next(a.Count);
                if (a[at] is JsonValue jv && jv.TryGetValue(out string? str) && Rnd.Next(2) == 0) a[at] = Text(str);
                else a[at] = Value();
                return a;
            }
            return Value();
        }
    }

    private static readonly string[] s_names =
        ["query", "limit", "timeoutMs", "agent", "belief", "goal", "epistemic", "maintenance", "initialState", "trueFacts", "unknownTo",
         "maxDepth", "env", "agents", "tomDepth", "seed", "episodes", "stepDelayMs", "train", "maxStepsPerEpisode", "mirrorBeliefs"];

    private static readonly string[] s_terms =
        ["believes(X, at(key, R))", "believes(agent_0, believes(agent_1, in(key, red_box)))", "in(key, blue_box) AND NOT present(agent_1)",
         "X is 2 ** 100000", "length(L, N)", "atom_length(A, N)", "'quoted atom'(\"str\", 0'c, [1,2|T])", "a :- b, c ; d -> e",
         "findall(X, between(1, 1000000, X), L)", "catch(throw(x), E, true)", "assertz(foo(1))", "retract(believes(_, _))",
         "present(agent_1)", "f(A, B, A)", "{a, b}", "- - - 1", "X = f(X)", "agent_0", "at(key, 'Room 1')"];

    [Fact]
    public async Task Random_and_mutated_requests_get_no_5xx_and_4xx_are_problems()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("PWMK_FUZZ_SEED"), out int sd) ? sd : 8301;
        int cases = int.TryParse(Environment.GetEnvironmentVariable("PWMK_FUZZ_CASES"), out int n) && n > 0 ? n : 2000;
        await using var s = await ServerFixture.StartAsync(s_settings);
        var g = new Gen(new Random(seed));
        // an idle simulation to render, and an agent with beliefs to list
        var sim = await ServerFixture.Json(await s.PostJson("/api/simulations", new { env = "box-world", episodes = 1, stepDelayMs = 60_000, train = false }));
        string simId = sim.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "agent_0", belief = "believes(agent_1, at(key, red_box))" })).StatusCode);
        var counts = new SortedDictionary<int, int>();
        for (int i = 0; i < cases; i++)
        {
            HttpRequestMessage req;
            string what;
            int kind = g.Rnd.Next(10);
            if (kind < 7)
            {
                var (method, path, body) = s_seeds[g.Rnd.Next(s_seeds.Length)];
                string text = g.Rnd.Next(5) switch
                {
                    0 => g.Text(body),
                    1 => g.Value()?.ToJsonString() ?? "null",
                    _ => g.Structure(JsonNode.Parse(body))?.ToJsonString() ?? "null",
                };
                string type = g.Rnd.Next(8) == 0 ? s_contentTypes[g.Rnd.Next(s_contentTypes.Length)] : "application/json";
                req = new HttpRequestMessage(method, path) { Content = new StringContent(text, Encoding.UTF8) };
                req.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(type);
                what = $"{method} {path} ({type}) {Clip(text, 600)}";
            }
            else
            {
                string value = g.Rnd.Next(4) switch
                {
                    0 => g.Rnd.Next(-3, 12).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    1 => Uri.EscapeDataString(g.Word()),
                    2 => g.Rnd.Next(3) switch { 0 => "%zz", 1 => "%00", _ => "%C0%80" } + g.Rnd.Next(100),
                    _ => new string('9', 1 + g.Rnd.Next(40)),
                };
                // no NUL in the path: the in-memory test host refuses it before the server sees it (Kestrel answers 400)
                string id = g.Rnd.Next(3) switch { 0 => "agent_0", 1 => "agent_1", _ => Uri.EscapeDataString(g.Word().Replace("\0", "", StringComparison.Ordinal)) };
                if (id.Length == 0) id = "x";
                string extra = g.Rnd.Next(5) == 0 ? "&" + Uri.EscapeDataString(g.Word()) + "=" + Uri.EscapeDataString(g.Word()) : "";
                string url = kind == 7 ? $"/api/agents/{id}/beliefs?depth={value}{extra}"
                    : kind == 8 ? $"/api/simulations/{(g.Rnd.Next(4) == 0 ? id : simId)}/render?agent={value}{extra}"
                    : $"/api/simulations/{simId}/render?agent={(g.Rnd.Next(2) == 0 ? "agent_0" : id)}&depth={value}{extra}";
                req = new HttpRequestMessage(HttpMethod.Get, url);
                what = "GET " + url;
            }
            var r = await Send(s, req, $"seed {seed} case {i}: {what}");
            int status = await Check(r, $"seed {seed} case {i}: {what}");
            counts[status] = counts.GetValueOrDefault(status) + 1;
            if (status == 201 && req.RequestUri!.OriginalString == "/api/simulations") await StopAll(s, simId);
        }
        await StopAll(s, null);
        await AssertStillAnswers(s);
        string summary = string.Join(", ", counts.Select(kv => $"{kv.Key}: {kv.Value}"));
        Assert.True(counts.Where(kv => kv.Key < 300).Sum(kv => kv.Value) > cases / 20, summary);
        Assert.True(counts.GetValueOrDefault(400) > cases / 5, summary);
    }

    [Fact]
    public async Task Huge_bodies_are_413_and_deep_json_is_400()
    {
        await using var s = await ServerFixture.StartAsync(s_settings, kestrel: true);
        string huge = "{\"query\": \"" + new string('a', 1_100_000) + "\"}";
        foreach (var path in new[] { "/api/beliefs/query", "/api/beliefs", "/api/plan", "/api/simulations" })
        {
            var r = await Send(s, new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(huge, Encoding.UTF8, "application/json") }, path);
            await ServerFixture.AssertProblem(r, HttpStatusCode.RequestEntityTooLarge);
            // the same without Content-Length (chunked): refused while reading
            var chunked = new StreamContent(new NoLengthStream(Encoding.UTF8.GetBytes(huge)));
            chunked.Headers.ContentType = new("application/json");
            r = await Send(s, new HttpRequestMessage(HttpMethod.Post, path) { Content = chunked }, path + " chunked");
            await ServerFixture.AssertProblem(r, HttpStatusCode.RequestEntityTooLarge);
        }
        foreach (var deep in new[]
        {
            new string('[', 10_000) + new string(']', 10_000),
            "{\"query\": " + new string('[', 10_000) + new string(']', 10_000) + "}",
            string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000),
            "{\"goal\": \"x\", \"initialState\": " + string.Concat(Enumerable.Repeat("{\"trueFacts\":", 5_000)) + "[]" + new string('}', 5_000) + "}",
        })
        {
            foreach (var path in new[] { "/api/beliefs/query", "/api/beliefs", "/api/plan", "/api/simulations" })
            {
                var r = await Send(s, new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(deep, Encoding.UTF8, "application/json") }, path);
                await ServerFixture.AssertProblem(r, HttpStatusCode.BadRequest);
            }
        }
        await AssertStillAnswers(s);
    }

    /// <summary>Terms nested 100,000 deep in every place a term is read: a 400 or 422 problem, never a crash.</summary>
    [Fact]
    public async Task Deeply_nested_prolog_terms_are_refused_as_problems()
    {
        await using var s = await ServerFixture.StartAsync(s_settings);
        const int n = 100_000;
        string[] deep =
        [
            string.Concat(Enumerable.Repeat("f(", n)) + "a" + new string(')', n),
            new string('[', n) + new string(']', n),
            string.Concat(Enumerable.Repeat("- ", n)) + "a",
            "[" + string.Join(',', Enumerable.Range(0, n)) + "]",
            string.Join(" , ", Enumerable.Repeat("true", n)),
            string.Join(" + ", Enumerable.Repeat("1", n)),
            string.Concat(Enumerable.Repeat("NOT ", n)) + "a",
            string.Concat(Enumerable.Repeat("believes(a, ", n / 2)) + "p" + new string(')', n / 2),
        ];
        foreach (var term in deep)
        {
            var bodies = new (HttpMethod, string, object)[]
            {
                (HttpMethod.Post, "/api/beliefs/query", new { query = term }),
                (HttpMethod.Post, "/api/beliefs/query", new { query = "X = " + term }),
                (HttpMethod.Post, "/api/beliefs", new { agent = "agent_0", belief = term }),
                (HttpMethod.Delete, "/api/beliefs", new { agent = "agent_0", belief = term }),
                (HttpMethod.Post, "/api/plan", new { goal = term }),
                (HttpMethod.Post, "/api/plan", new { goal = "present(agent_1)", epistemic = new[] { term }, maintenance = new[] { term } }),
                (HttpMethod.Post, "/api/plan", new { goal = "present(agent_1)", initialState = new { trueFacts = new[] { term } } }),
            };
            foreach (var (method, path, body) in bodies)
            {
                var req = new HttpRequestMessage(method, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
                string what = $"{method} {path} {Clip(JsonSerializer.Serialize(body), 200)}";
                int status = await Check(await Send(s, req, what), what);
                Assert.True(status is 200 or 201 or 400 or 404 or 408 or 413 or 422, $"{status} for {what}");
            }
        }
        await AssertStillAnswers(s);
    }

    /// <summary>Regression (found by the fuzzer, seed 8301 case 4522): JSON null inside a plan's term lists was a 500.</summary>
    [Theory]
    [InlineData("""{"goal": "present(agent_1)", "maintenance": [null]}""", "maintenance[0]")]
    [InlineData("""{"goal": "present(agent_1)", "epistemic": ["present(agent_1)", null]}""", "epistemic[1]")]
    [InlineData("""{"goal": "present(agent_1)", "initialState": {"trueFacts": [null]}}""", "initialState.trueFacts[0]")]
    [InlineData("""{"goal": "present(agent_1)", "initialState": {"trueFacts": [], "unknownTo": {"agent_1": null}}}""", "initialState.unknownTo.agent_1")]
    [InlineData("""{"goal": "present(agent_1)", "initialState": {"unknownTo": {"agent_1": [null]}}}""", "initialState.unknownTo.agent_1[0]")]
    public async Task Null_terms_in_plan_lists_are_400_naming_the_field(string body, string field)
    {
        await using var s = await ServerFixture.StartAsync(s_settings);
        var r = await s.Client.PostAsync("/api/plan", new StringContent(body, Encoding.UTF8, "application/json"));
        var p = await ServerFixture.AssertProblem(r, HttpStatusCode.BadRequest);
        Assert.Contains($"'{field}' is null", p.GetProperty("detail").GetString());
    }

    /// <summary>Regression (found by the fuzzer): problems quoted the request's term in full, echoing up to 600 KB back.</summary>
    [Fact]
    public async Task Problem_details_do_not_echo_huge_input()
    {
        await using var s = await ServerFixture.StartAsync(s_settings);
        string big = "f(" + new string('a', 500_000) + ", X)";
        var cases = new (string Path, object Body)[]
        {
            ("/api/plan", new { goal = "present(agent_1)", initialState = new { trueFacts = new[] { big } } }),
            ("/api/beliefs", new { agent = new string('é', 100_000), belief = "p" }),
            ("/api/beliefs", new { belief = big }),
            ("/api/simulations", new { env = new string('x', 500_000) }),
        };
        foreach (var (path, body) in cases)
        {
            var r = await s.PostJson(path, body);
            var p = await ServerFixture.AssertProblem(r, HttpStatusCode.BadRequest);
            var detail = p.GetProperty("detail").GetString()!;
            Assert.True(detail.Length < 1100, $"{path}: detail of {detail.Length} characters");
            Assert.EndsWith("characters in all)", detail);
        }
    }

    /// <summary>A readable stream that does not know its length, so the client sends the body chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
