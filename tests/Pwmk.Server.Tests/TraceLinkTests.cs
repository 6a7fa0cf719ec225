using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Pwmk.Server.Tests;

/// <summary>One trace per request: work a request starts in the background is a trace of its own, linked to the request.</summary>
[Collection(nameof(ExactMetrics))]
public sealed class TraceLinkTests
{
    private static ActivityListener Listen(ConcurrentQueue<Activity> spans)
    {
        var listener = new ActivityListener
        {
            // the sources the server exports: its own, ASP.NET Core's and the grain calls' (every server is a cluster member:
            // the simulation's belief changes reach the journal through grain calls, which carry the trace)
            ShouldListenTo = s => s.Name is "Pwmk" or "Microsoft.AspNetCore" or Pwmk.Cluster.ClusterHosting.GrainCallSpans,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Fact]
    public async Task The_request_the_simulation_and_an_episode_are_three_traces_joined_by_links()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = Listen(spans);
        // a server that exports its spans (here to a port nothing listens on: the export fails, counted, and spans are
        // recorded as they would be for a collector); without an exporter the server records none
        await using var s = await ServerFixture.StartAsync(new() { ["Observability:OtlpEndpoint"] = "http://127.0.0.1:1" });
        var created = await s.PostJson("/api/simulations", new { env = "box-world", agents = 2, episodes = 2, stepDelayMs = 0, maxStepsPerEpisode = 10, train = false });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ServerFixture.Json(created)).GetProperty("id").GetString();
        List<Activity> Episodes() => [.. spans.Where(x => x.OperationName == "episode" && x.GetTagItem("simulation.id") as string == id)];
        await ServerFixture.Eventually(() => Task.FromResult(Episodes().Count >= 2), seconds: 60);

        var simulation = Assert.Single(spans, x => x.OperationName == "simulation" && x.GetTagItem("simulation.id") as string == id);
        var toRequest = Assert.Single(simulation.Links);
        var request = Assert.Single(spans, x => x.SpanId == toRequest.Context.SpanId);
        Assert.Equal("Microsoft.AspNetCore", request.Source.Name);
        Assert.Equal("POST", request.GetTagItem("http.request.method") ?? request.DisplayName.Split(' ')[0]);
        Assert.Equal(default, simulation.ParentSpanId);
        foreach (var episode in Episodes())
        {
            Assert.Equal(default, episode.ParentSpanId);
            Assert.Equal(simulation.Context.SpanId, Assert.Single(episode.Links).Context.SpanId);
            Assert.Equal(3, new[] { request.TraceId, simulation.TraceId, episode.TraceId }.Distinct().Count());
            // the episode's work is in the episode's trace
            Assert.Contains(spans, x => x.TraceId == episode.TraceId && x.OperationName == "env_step");
        }
        // the request's trace ends with the request: nothing of the simulation runs inside it
        Assert.DoesNotContain(spans, x => x.TraceId == request.TraceId && x.OperationName is "episode" or "env_step" or "belief_update" or "planning");
    }

    [Fact]
    public async Task The_default_background_simulation_starts_fewer_than_five_traces_a_second()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = Listen(spans);
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:Simulate"] = "true" });
        // the first episode has begun: from then on the simulation runs as it does for hours
        await ServerFixture.Eventually(() => Task.FromResult(spans.Any(x => x.OperationName == "env_step")), seconds: 60);
        var start = DateTime.UtcNow;
        int stepsBefore = spans.Count(x => x.OperationName == "env_step");
        await ServerFixture.Eventually(() => Task.FromResult(spans.Count(x => x.OperationName == "env_step") >= stepsBefore + 40), seconds: 60);
        var window = DateTime.UtcNow - start;
        var mine = spans.Where(x => x.StartTimeUtc >= start && x.Source.Name == "Pwmk").ToList();
        var roots = mine.Where(x => x.ParentSpanId == default).ToList();
        Assert.True(roots.Count / window.TotalSeconds < 5,
            $"{roots.Count} root spans in {window.TotalSeconds:F1} s: " + string.Join(", ", roots.GroupBy(r => r.OperationName).Select(g => $"{g.Key} {g.Count()}")));
        // every belief change the simulation makes is inside its episode's trace, in one span per flush (a step's changes, or
        // the episode's last ones), never one per belief nor a trace of its own
        var flushes = mine.Where(x => x.OperationName == "belief_update" && x.GetTagItem("component") as string == "episode_runner").ToList();
        Assert.NotEmpty(flushes);
        Assert.All(flushes, f => Assert.Contains(f.Parent?.OperationName, new[] { "env_step", "episode" }));
    }
}
