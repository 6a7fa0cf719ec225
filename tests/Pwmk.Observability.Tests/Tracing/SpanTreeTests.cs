using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Pwmk.Observability.Tracing;

namespace Pwmk.Observability.Tests.Tracing;

public class SpanTreeTests
{
    [Fact]
    public void One_simulation_step_produces_the_span_tree_with_world_model_attributes()
    {
        var spans = new SpanList();
        using (var provider = Sdk.CreateTracerProviderBuilder().AddSource(PwmkTracing.SourceName).AddInMemoryExporter(spans).Build())
        {
            var store = Workload.Beliefs(); // belief_update spans outside the step
            string stepTrace = PwmkTracing.Trace("simulation_step", step =>
            {
                Workload.Episode();
                store.AddBelief("anne", "at(apple, basket)");
                Workload.Plan();
                Workload.Forward();
                return step!.TraceId.ToHexString();
            }, ("component", "test"));
            provider.ForceFlush();
            var root = spans.Single(s => s.DisplayName == "simulation_step" && s.TraceId.ToHexString() == stepTrace);
            var children = spans.Where(s => s.ParentSpanId == root.SpanId).Select(s => s.DisplayName).ToHashSet();
            Assert.Superset(new HashSet<string> { "env_step", "belief_update", "planning", "world_model_forward" }, children);
            var forward = spans.Single(s => s.DisplayName == "world_model_forward" && s.ParentSpanId == root.SpanId);
            Assert.Equal("perspective_transformer", forward.GetTagItem("model.type"));
            Assert.Equal(2, forward.GetTagItem("batch.size"));
            Assert.Equal(2, forward.GetTagItem("model.num_agents"));
            Assert.Equal("[2, 2, 4]", forward.GetTagItem("prediction.shape"));
            Assert.NotNull(forward.GetTagItem("prediction.mean"));
            Assert.Equal(ActivityStatusCode.Ok, root.Status);
            var env = spans.First(s => s.DisplayName == "env_step" && s.ParentSpanId == root.SpanId);
            Assert.Equal("RoomsWorld", env.GetTagItem("env.type"));
        }
    }

    [Fact]
    public void A_failing_query_gives_an_error_span_with_the_exception_recorded_and_rethrows()
    {
        var spans = new SpanList();
        using var provider = Sdk.CreateTracerProviderBuilder().AddSource(PwmkTracing.SourceName).AddInMemoryExporter(spans).Build();
        var store = Workload.Beliefs();
        var thrown = Assert.ThrowsAny<Exception>(() => PwmkTracing.Trace("belief_query_request", _ => store.Query("believes(X, foo(")));
        provider.ForceFlush();
        var inner = spans.Where(s => s.DisplayName is "belief_query_request").ToList();
        var span = Assert.Single(inner);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(thrown.Message, span.StatusDescription);
        Assert.Contains(span.Events, e => e.Name == "exception");

        // an engine error inside BeliefStore.Query marks the domain's own belief_query span
        Assert.ThrowsAny<Exception>(() => store.Query("X is foo + 1"));
        provider.ForceFlush();
        Assert.Contains(spans, s => s.DisplayName == "belief_query" && s.Status == ActivityStatusCode.Error && s.Events.Any(e => e.Name == "exception"));
    }
}

/// <summary>
/// The in-memory exporter's target: every "Pwmk" span of this process lands here, also from other tests running at
/// the same time (the end-to-end server's simulation), so adding is locked and reading works on a snapshot.
/// </summary>
internal sealed class SpanList : ICollection<Activity>
{
    private readonly List<Activity> _items = [];

    public int Count { get { lock (_items) return _items.Count; } }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (_items) _items.Add(item);
    }

    public void Clear()
    {
        lock (_items) _items.Clear();
    }

    public bool Contains(Activity item)
    {
        lock (_items) return _items.Contains(item);
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_items) _items.CopyTo(array, arrayIndex);
    }

    public bool Remove(Activity item)
    {
        lock (_items) return _items.Remove(item);
    }

    public IEnumerator<Activity> GetEnumerator()
    {
        Activity[] snapshot;
        lock (_items) snapshot = [.. _items];
        return ((IEnumerable<Activity>)snapshot).GetEnumerator();
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
