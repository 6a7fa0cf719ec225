using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;

namespace Pwmk.Bench.Http;

/// <summary>
/// The anchor of <c>pwmk-bench http</c>: a bare ASP.NET Core endpoint (slim builder, Kestrel, one route, no middleware,
/// source-generated JSON) answering <c>POST /api/beliefs/query</c> with the same lookup as <c>pwmk serve</c> (a
/// <see cref="BeliefStore"/> holding the same beliefs, the same query options) and the same JSON shape. Run as
/// <c>pwmk-bench http-bare URL FACTS</c>, a process of its own, as the server it is compared with.
/// </summary>
internal static class BareEndpoint
{
    public static int Run(string[] args)
    {
        if (args.Length != 2 || !int.TryParse(args[1], out int facts) || facts < 0)
        {
            Console.Error.WriteLine("usage: http-bare URL FACTS");
            return 2;
        }
        var store = new BeliefStore();
        foreach (var (agent, belief) in HttpCommand.Beliefs(facts)) store.AddBelief(agent, belief);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(args[0]);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false); // as pwmk serve: the same response headers
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BareJson.Default));
        var app = builder.Build();
        app.MapPost("/api/beliefs/query", (BareQuery body, HttpContext http) =>
        {
            if (string.IsNullOrWhiteSpace(body.Query)) return Results.BadRequest();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = store.Query(body.Query, new QueryOptions
            {
                MaxSolutions = body.Limit ?? 100,
                Timeout = TimeSpan.FromMilliseconds(body.TimeoutMs ?? 5000),
                MaxInferences = 200_000_000,
                MaxOutputChars = 64 * 1024,
                Cancel = http.RequestAborted,
            });
            var solutions = new List<Dictionary<string, string>>(result.Solutions.Count);
            foreach (var s in result.Solutions)
            {
                var d = new Dictionary<string, string>(s.Bindings.Count);
                foreach (var b in s.Bindings) d[b.Key] = b.Value.ToString();
                solutions.Add(d);
            }
            double ms = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            return Results.Ok(new BareAnswer(solutions, solutions.Count, result.Truncated, Math.Round(ms, 3)));
        });
        app.MapGet("/live", () => "ok");
        app.Run();
        return 0;
    }
}

/// <summary>The request body, as <c>pwmk serve</c> reads it.</summary>
internal sealed record BareQuery(string? Query, int? Limit = null, int? TimeoutMs = null);

/// <summary>The answer, in <c>pwmk serve</c>'s shape.</summary>
internal sealed record BareAnswer(IReadOnlyList<Dictionary<string, string>> Solutions, int Count, bool Truncated, double ElapsedMs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BareQuery))]
[JsonSerializable(typeof(BareAnswer))]
internal sealed partial class BareJson : JsonSerializerContext;
