using System.Diagnostics;
using System.Text.RegularExpressions;
using Pwmk.Observability.Metrics;

namespace Pwmk.Observability.Tests.Metrics;

[Trait("Category", "Integration")]
public partial class PwmkMetricsTests
{
    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    internal static double Value(string scrape, string series)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        return double.NaN;
    }

    internal static double Sum(string scrape, string prefix)
    {
        double s = 0;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal) && !line.StartsWith('#'))
            {
                int end = line.LastIndexOf('}');
                if (end < 0) end = line.IndexOf(' ') - 1;
                s += double.Parse(line[(end + 2)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return s;
    }

    [Fact]
    public async Task A_query_that_raises_an_error_is_still_timed()
    {
        using var metrics = new PwmkMetrics();
        var store = new Pwmk.Core.Beliefs.BeliefStore();
        const string series = "pwmk_belief_query_duration_seconds_count{query_type=\"search\",complexity=\"simple\"}";
        double before = Value(await metrics.ScrapeAsync(), series);
        var e = Assert.Throws<Pwmk.Logic.PrologException>(() => store.Query("X is foo + 1"));
        Assert.True(e.Elapsed > TimeSpan.Zero, "the engine reports how long the failing query ran");
        double after = Value(await metrics.ScrapeAsync(), series);
        // (other tests of this process may query at the same time: at least this one was counted)
        Assert.True(after >= (double.IsNaN(before) ? 0 : before) + 1, $"count {before} -> {after}");
    }

    [Fact]
    public async Task Every_metric_of_the_specification_has_its_exact_type_and_labels_and_moves_with_the_real_workload()
    {
        using var metrics = new PwmkMetrics();
        var before = await metrics.ScrapeAsync();
        var store = Workload.Beliefs();
        Workload.QueryBeliefs(store);
        Workload.Episode();
        Workload.Plan();
        Workload.Plan(solvable: false);
        Workload.Forward();
        var trainer = new Pwmk.Core.WorldModel.PerspectiveWorldModel(obsDim: 4, actionDim: 2, hiddenDim: 8, numAgents: 2, numBeliefs: 2);
        Workload.Forward(trainer);
        Workload.Train();
        var scrape = await metrics.ScrapeAsync();
        GC.KeepAlive(store);

        var types = TypeLine().Matches(scrape).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        foreach (var spec in MetricCatalog.All)
        {
            Assert.True(types.TryGetValue(spec.Name, out var type), $"{spec.Name} missing from the scrape");
            Assert.Equal(spec.Kind.ToString().ToLowerInvariant(), type);
            // the facts and memory gauges are the serving host's (see Pwmk.Server.Tests.HostGaugeTests)
            if (spec.Name is MetricCatalog.BeliefFacts or MetricCatalog.MemoryBytes) continue;
            string sample = spec.Kind == MetricKind.Histogram ? spec.Name + "_count{" : spec.Name + "{";
            var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith(sample, StringComparison.Ordinal));
            Assert.True(line is not null, $"{spec.Name} has no sample after the workload");
            var labels = Regex.Matches(line!, @"([a-z_]+)=""").Select(m => m.Groups[1].Value).ToArray();
            Assert.Equal([spec.Label0, spec.Label1], labels);
        }
        Assert.True(Sum(scrape, "pwmk_belief_query_duration_seconds_count{") >= 3);
        // the counters move by the workload's own updates (tests of other classes may update beliefs at the same time)
        Assert.True(Sum(scrape, "pwmk_belief_updates_total{") >= Sum(before, "pwmk_belief_updates_total{") + 4);
        // the impossible goal is an answer (no plan within the bounds), not a failure of the planner
        Assert.True(Sum(scrape, "pwmk_planning_attempts_total{planner_type=\"mastar_bfs\",success=\"no_plan\"}") >= 1);
        Assert.True(Sum(scrape, "pwmk_env_step_duration_seconds_count{env_type=\"RoomsWorld\"") >= 2);
        Assert.True(Sum(scrape, "pwmk_world_model_inference_seconds_count{") >= 2);
        Assert.True(Sum(scrape, "pwmk_world_model_training_loss_count{") >= 1);
        Assert.True(Sum(scrape, "pwmk_episode_length_steps_count{env_type=\"HideAndSeek\"") >= 1);
        Assert.True(Sum(scrape, "pwmk_episode_reward_count{env_type=\"HideAndSeek\"") >= 2);
        Assert.True(Sum(scrape, "pwmk_plan_quality_score_count{planner_type=\"mastar_bfs\",goal_type=\"achievement\"}") >= 2);
        Assert.True(Sum(scrape, "pwmk_perspective_events_total") >= 2, "other Pwmk counters are bridged too");
        Assert.Contains("process_cpu_seconds_total", scrape);
    }

    [Fact]
    public async Task Label_values_past_the_series_limit_fold_into_other_and_are_counted()
    {
        using var metrics = new PwmkMetrics(options: new PwmkMetricsOptions { MaxSeriesPerMetric = 3, BridgeMeter = false, ProcessMetrics = false });
        for (int i = 0; i < 50; i++)
        {
            metrics.IncBeliefUpdates("agent_" + i, "added");
            metrics.IncPlanningAttempt("planner_" + i, success: i % 2 == 0);
        }
        Assert.True(metrics.SeriesCount(MetricCatalog.BeliefUpdates) <= 4);
        var scrape = await metrics.ScrapeAsync();
        Assert.Equal(47, Value(scrape, "pwmk_belief_updates_total{agent_id=\"other\",update_type=\"other\"}"));
        // the fixed-domain label "success" is kept while the planner name folds
        Assert.True(Value(scrape, "pwmk_planning_attempts_total{planner_type=\"other\",success=\"true\"}") > 0);
        Assert.True(Value(scrape, "pwmk_planning_attempts_total{planner_type=\"other\",success=\"false\"}") > 0);
        Assert.Equal(47, Value(scrape, "pwmk_metric_label_overflow_total{metric=\"pwmk_belief_updates_total\"}"));
        Assert.Equal(1, Value(scrape, "pwmk_belief_updates_total{agent_id=\"agent_0\",update_type=\"added\"}"));
    }

    [Fact]
    public async Task Timing_scopes_record_one_observation_with_bounded_numeric_labels()
    {
        using var metrics = new PwmkMetrics(options: new PwmkMetricsOptions { BridgeMeter = false, ProcessMetrics = false });
        using (metrics.TimeBeliefQuery("complex"))
        {
            Thread.Sleep(5);
        }
        using (metrics.TimeWorldModelInference("transformer", 32)) { }
        using (metrics.TimeWorldModelInference("transformer", 30)) { }
        using (metrics.TimePlanning("mastar", 5)) { }
        var scrape = await metrics.ScrapeAsync();
        Assert.Equal(1, Value(scrape, "pwmk_belief_query_duration_seconds_count{query_type=\"complex\",complexity=\"simple\"}"));
        Assert.True(Value(scrape, "pwmk_belief_query_duration_seconds_sum{query_type=\"complex\",complexity=\"simple\"}") >= 0.004);
        Assert.Equal(2, Value(scrape, "pwmk_world_model_inference_seconds_count{model_type=\"transformer\",batch_size=\"32\"}"));
        Assert.Equal(1, Value(scrape, "pwmk_planning_duration_seconds_count{planner_type=\"mastar\",horizon_length=\"8\"}"));
        Assert.Contains("le=\"0.1\"", scrape.Split('\n').First(l => l.StartsWith("pwmk_world_model_inference_seconds_bucket", StringComparison.Ordinal) && l.Contains("le=\"0.1\"")));
    }

    [Fact]
    public async Task OpenMetrics_scrape_carries_the_trace_id_as_exemplar()
    {
        using var metrics = new PwmkMetrics(options: new PwmkMetricsOptions { BridgeMeter = false, ProcessMetrics = false });
        using var source = new ActivitySource("Pwmk.Tests.Exemplar");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string traceId;
        using (var span = source.StartActivity("belief_query")!)
        {
            traceId = span.TraceId.ToHexString();
            metrics.ObserveBeliefQuery("point", "simple", 0.002);
        }
        var om = await metrics.ScrapeAsync(openMetrics: true);
        Assert.Contains("trace_id=\"" + traceId + "\"", om);
        Assert.EndsWith("# EOF\n", om);
        Assert.DoesNotContain("trace_id", await metrics.ScrapeAsync());
    }

    /// <summary>A step-duration instrument as the environments make it: both labels as instrument tags.</summary>
    private static System.Diagnostics.Metrics.Histogram<double> StepHistogram(System.Diagnostics.Metrics.Meter meter, string envType, int agents) =>
        meter.CreateHistogram<double>(MetricCatalog.EnvStepDuration, "s", null, [new("env_type", envType), new("num_agents", agents)]);

    [Fact]
    public async Task A_domain_histogram_recorded_inside_a_span_carries_its_trace_id_and_one_outside_carries_none()
    {
        using var metrics = new PwmkMetrics(options: new PwmkMetricsOptions { ProcessMetrics = false });
        using var meter = new System.Diagnostics.Metrics.Meter("Pwmk");
        var step = StepHistogram(meter, "ExemplarWorld", 2);
        using var source = new ActivitySource("Pwmk.Tests.BridgeExemplar");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        step.Record(0.00002);   // no span: the 2.5e-05 bucket, no exemplar
        string traceId;
        using (var span = source.StartActivity("env_step")!)
        {
            traceId = span.TraceId.ToHexString();
            step.Record(0.3);   // the 1 bucket, with this span's trace id
        }
        var lines = (await metrics.ScrapeAsync(openMetrics: true)).Split('\n').Where(l => l.Contains("ExemplarWorld")).ToList();
        var small = Assert.Single(lines, l => l.Contains("_bucket{") && l.Contains("le=\"2.5e-05\""));
        var large = Assert.Single(lines, l => l.Contains("_bucket{") && l.Contains("le=\"1.0\""));
        Assert.DoesNotContain("trace_id", small);
        Assert.Contains("trace_id=\"" + traceId + "\"", large);
        Assert.Contains(lines, l => l.StartsWith(MetricCatalog.EnvStepDuration + "_count{", StringComparison.Ordinal) && l.EndsWith(" 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_domain_histogram_recorded_by_several_threads_during_scrapes_keeps_exact_bucket_counts_and_sum()
    {
        using var metrics = new PwmkMetrics(options: new PwmkMetricsOptions { ProcessMetrics = false });
        using var meter = new System.Diagnostics.Metrics.Meter("Pwmk");
        var step = StepHistogram(meter, "BufferWorld", 3);
        double[] values = [.. MetricCatalog.StepBuckets, 0.000003, 0.00007, 0.0004, 0.003, 0.07, 0.8, 42];   // bounds themselves too
        const int threads = 4, perThread = 40_000;
        string series = MetricCatalog.EnvStepDuration + "_count{env_type=\"BufferWorld\",num_agents=\"4\"}";
        var seen = new List<double>();
        var writers = Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            var rng = new Random(t);
            for (int i = 0; i < perThread; i++) step.Record(values[rng.Next(values.Length)]);
        })).ToArray();
        while (!writers.All(w => w.IsCompleted)) seen.Add(Value(await metrics.ScrapeAsync(), series));
        await Task.WhenAll(writers);
        var scrape = await metrics.ScrapeAsync();

        // what the threads recorded, recomputed from the same draws
        var expected = new long[MetricCatalog.StepBuckets.Length + 1];
        double sum = 0;
        for (int t = 0; t < threads; t++)
        {
            var rng = new Random(t);
            for (int i = 0; i < perThread; i++)
            {
                double v = values[rng.Next(values.Length)];
                int b = Array.FindIndex(MetricCatalog.StepBuckets, u => v <= u);
                expected[b < 0 ? expected.Length - 1 : b]++;
                sum += v;
            }
        }
        var cumulative = new List<double>();
        foreach (long n in expected) cumulative.Add((cumulative.Count > 0 ? cumulative[^1] : 0) + n);
        var buckets = scrape.Split('\n')
            .Where(l => l.StartsWith(MetricCatalog.EnvStepDuration + "_bucket{env_type=\"BufferWorld\"", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf('}') + 2)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(cumulative, buckets);
        Assert.Equal(threads * perThread, Value(scrape, series));
        Assert.Equal(sum, Value(scrape, MetricCatalog.EnvStepDuration + "_sum{env_type=\"BufferWorld\",num_agents=\"4\"}"), sum * 1e-9);
        // scrapes made while the threads recorded never went backwards
        var counts = seen.Where(c => !double.IsNaN(c)).ToList();
        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.First <= p.Second), string.Join(", ", counts));
    }

    [Fact]
    public async Task Promtool_check_metrics_reports_only_the_documented_total_suffix_lint_on_a_real_scrape()
    {
        using var metrics = new PwmkMetrics();
        var store = Workload.Beliefs();
        Workload.QueryBeliefs(store);
        Workload.Episode();
        Workload.Plan();
        Workload.Forward();
        metrics.SetBeliefFacts("sally", "at/2", store.CountBeliefs("sally")); // the facts gauge is a serving host's: set it as one does
        var scrape = await metrics.ScrapeAsync();
        GC.KeepAlive(store);
        var (_, output) = Tools.Run("promtool", "check metrics", stdin: scrape);
        var problems = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.True(problems.All(p => p.StartsWith("pwmk_belief_store_facts_total non-counter metrics should not have \"_total\" suffix", StringComparison.Ordinal)),
            "unexpected promtool findings:\n" + output);
        Assert.Single(problems);
    }
}
