using System.Diagnostics;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Pwmk.Observability.Metrics;

/// <summary>
/// PWMK's metrics on a Prometheus registry (prometheus-net): the twelve metrics of the monitoring specification with
/// their exact names, types and labels, bounded label cardinality (new values past
/// <see cref="PwmkMetricsOptions.MaxSeriesPerMetric"/> fold into <c>other</c>, counted by
/// <c>pwmk_metric_label_overflow_total</c>), timing scopes, and a bridge that records the domain's BCL instruments
/// (Meter "Pwmk") into the same registry. Histograms carry trace-id exemplars when scraped as OpenMetrics.
/// <code>using (metrics.TimeBeliefQuery("complex")) { store.Query(q); }</code>
/// </summary>
public sealed class PwmkMetrics : IDisposable
{
    private readonly Dictionary<string, object> _families = new(StringComparer.Ordinal);
    private readonly BoundedFamily<Histogram.Child> _trainingLoss, _inference, _query, _planning, _quality, _step, _episodeLength, _reward;
    private readonly BoundedFamily<Gauge.Child> _memory, _facts;
    private readonly BoundedFamily<Counter.Child> _updates, _attempts;
    private readonly PwmkMeterBridge? _bridge;

    /// <summary>Creates the metrics on <paramref name="registry"/> (a new registry when null).</summary>
    /// <param name="registry">The registry; null: a new one.</param>
    /// <param name="options">Options; null: the defaults.</param>
    /// <param name="meters">The host's meter factory, whose "Pwmk" meters are bridged besides the domain's (null: the domain's only).</param>
    public PwmkMetrics(CollectorRegistry? registry = null, PwmkMetricsOptions? options = null, IMeterFactory? meters = null)
    {
        Options = options ?? new PwmkMetricsOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxSeriesPerMetric, 1);
        Registry = registry ?? Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        var overflow = factory.CreateCounter(MetricCatalog.LabelOverflow,
            "Label values folded into 'other' because the metric reached its series limit", ["metric"]);
        foreach (var spec in MetricCatalog.All)
        {
            object family = spec.Kind switch
            {
                MetricKind.Histogram => Family(spec, overflow, factory.CreateHistogram(spec.Name, spec.Help, [spec.Label0, spec.Label1],
                    new HistogramConfiguration { Buckets = spec.Buckets })),
                MetricKind.Gauge => Family(spec, overflow, factory.CreateGauge(spec.Name, spec.Help, [spec.Label0, spec.Label1])),
                _ => Family(spec, overflow, factory.CreateCounter(spec.Name, spec.Help, [spec.Label0, spec.Label1])),
            };
            _families[spec.Name] = family;
        }
        _trainingLoss = Histograms(MetricCatalog.TrainingLoss);
        _inference = Histograms(MetricCatalog.InferenceSeconds);
        _query = Histograms(MetricCatalog.BeliefQueryDuration);
        _planning = Histograms(MetricCatalog.PlanningDuration);
        _quality = Histograms(MetricCatalog.PlanQuality);
        _step = Histograms(MetricCatalog.EnvStepDuration);
        _episodeLength = Histograms(MetricCatalog.EpisodeLength);
        _reward = Histograms(MetricCatalog.EpisodeReward);
        _memory = Gauges(MetricCatalog.MemoryBytes);
        _facts = Gauges(MetricCatalog.BeliefFacts);
        _updates = Counters(MetricCatalog.BeliefUpdates);
        _attempts = Counters(MetricCatalog.PlanningAttempts);
        SpanExport = new SpanExportCounters(
            factory.CreateCounter(MetricCatalog.SpansDropped, "Finished spans dropped before reaching the OTLP collector (queue full or export failed)", ["reason"]),
            factory.CreateCounter(MetricCatalog.SpansExported, "Finished spans delivered to the OTLP collector"));
        if (Options.ProcessMetrics) DotNetStats.Register(Registry);
        if (Options.BridgeMeter) _bridge = new PwmkMeterBridge(this, factory, meters);
    }

    /// <summary>The registry scraped at <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Counters of the trace exporter: spans delivered and spans dropped.</summary>
    internal SpanExportCounters SpanExport { get; }

    /// <summary>The options in force.</summary>
    public PwmkMetricsOptions Options { get; }

    private BoundedFamily<Histogram.Child> Family(MetricSpec spec, Counter overflow, Histogram h) =>
        new(spec, Options.MaxSeriesPerMetric, overflow, (a, b) => h.WithLabels(a, b), (a, b) => h.RemoveLabelled(a, b));
    private BoundedFamily<Gauge.Child> Family(MetricSpec spec, Counter overflow, Gauge g) =>
        new(spec, Options.MaxSeriesPerMetric, overflow, (a, b) => g.WithLabels(a, b), (a, b) => g.RemoveLabelled(a, b));
    private BoundedFamily<Counter.Child> Family(MetricSpec spec, Counter overflow, Counter c) =>
        new(spec, Options.MaxSeriesPerMetric, overflow, (a, b) => c.WithLabels(a, b), (a, b) => c.RemoveLabelled(a, b));


    internal BoundedFamily<Histogram.Child> Histograms(string name) => (BoundedFamily<Histogram.Child>)_families[name];
    internal BoundedFamily<Gauge.Child> Gauges(string name) => (BoundedFamily<Gauge.Child>)_families[name];
    internal BoundedFamily<Counter.Child> Counters(string name) => (BoundedFamily<Counter.Child>)_families[name];
    internal object FamilyOf(string name) => _families[name];

    /// <summary>Series currently held by a metric of the catalog.</summary>
    public int SeriesCount(string metric) => _families[metric] switch
    {
        BoundedFamily<Histogram.Child> h => h.Count,
        BoundedFamily<Gauge.Child> g => g.Count,
        BoundedFamily<Counter.Child> c => c.Count,
        _ => 0,
    };

    // ------------------------------------------------------------------ recording

    public void ObserveTrainingLoss(string modelType, string agentId, double loss) => _trainingLoss.Get(modelType, agentId).Observe(loss);
    public void ObserveInference(string modelType, int batchSize, double seconds) =>
        _inference.Get(modelType, MetricCatalog.PowerOfTwoLabel(batchSize)).Observe(seconds);
    public void SetMemory(string modelType, string component, double bytes) => _memory.Get(modelType, component).Set(bytes);
    public void ObserveBeliefQuery(string queryType, string complexity, double seconds) => _query.Get(queryType, complexity).Observe(seconds);
    public void SetBeliefFacts(string agentId, string predicateType, double count) => _facts.Get(agentId, predicateType).Set(count);
    public void IncBeliefUpdates(string agentId, string updateType, double count = 1) => _updates.Get(agentId, updateType).Inc(count);
    public void ObservePlanning(string plannerType, int horizonLength, double seconds) =>
        _planning.Get(plannerType, MetricCatalog.PowerOfTwoLabel(horizonLength)).Observe(seconds);
    public void IncPlanningAttempt(string plannerType, bool success) => IncPlanningAttempt(plannerType, success ? "true" : "false");

    /// <summary>Counts a planning attempt with its outcome: <c>true</c> (a plan), <c>no_plan</c> (none within the bounds) or <c>false</c> (failed).</summary>
    public void IncPlanningAttempt(string plannerType, string outcome) => _attempts.Get(plannerType, outcome).Inc();
    public void ObservePlanQuality(string plannerType, string goalType, double score) => _quality.Get(plannerType, goalType).Observe(score);
    public void ObserveEnvStep(string envType, int numAgents, double seconds) =>
        _step.Get(envType, MetricCatalog.PowerOfTwoLabel(numAgents)).Observe(seconds);
    public void ObserveEpisodeLength(string envType, bool success, int steps) => _episodeLength.Get(envType, success ? "true" : "false").Observe(steps);
    public void ObserveEpisodeReward(string envType, string agentId, double reward) => _reward.Get(envType, agentId).Observe(reward);

    // ------------------------------------------------------------------ timing scopes

    /// <summary>Times a world-model forward pass into <c>pwmk_world_model_inference_seconds</c>.</summary>
    public TimingScope TimeWorldModelInference(string modelType, int batchSize) =>
        new(_inference.Get(modelType, MetricCatalog.PowerOfTwoLabel(batchSize)));

    /// <summary>Times a belief query into <c>pwmk_belief_query_duration_seconds</c>.</summary>
    public TimingScope TimeBeliefQuery(string queryType, string complexity = "simple") => new(_query.Get(queryType, complexity));

    /// <summary>Times a planning run into <c>pwmk_planning_duration_seconds</c>.</summary>
    public TimingScope TimePlanning(string plannerType, int horizonLength = 0) =>
        new(_planning.Get(plannerType, MetricCatalog.PowerOfTwoLabel(horizonLength)));

    /// <summary>Times an environment step into <c>pwmk_env_step_duration_seconds</c>.</summary>
    public TimingScope TimeEnvStep(string envType, int numAgents) => new(_step.Get(envType, MetricCatalog.PowerOfTwoLabel(numAgents)));

    // ------------------------------------------------------------------ export

    /// <summary>The registry in Prometheus text format (or OpenMetrics, with exemplars).</summary>
    public async Task<string> ScrapeAsync(bool openMetrics = false, CancellationToken cancellation = default)
    {
        using var ms = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(ms, openMetrics ? ExpositionFormat.OpenMetricsText : ExpositionFormat.PrometheusText, cancellation)
            .ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Stops listening to the domain's instruments.</summary>
    public void Dispose() => _bridge?.Dispose();

    /// <summary>
    /// Exports every instrument of another library's meter <paramref name="meterName"/> (such as <c>Microsoft.Orleans</c>)
    /// on this registry, named as the instrument is (<c>orleans-catalog-activations</c> becomes
    /// <c>orleans_catalog_activations</c>), until the result is disposed.
    /// </summary>
    public IDisposable ExportMeter(string meterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(meterName);
        return new ForeignMeterExport(Registry, meterName);
    }

    /// <summary>A running timer; disposing it records the elapsed seconds once.</summary>
    public readonly struct TimingScope : IDisposable
    {
        private readonly Histogram.Child? _child;
        private readonly long _start;

        internal TimingScope(Histogram.Child child)
        {
            _child = child;
            _start = Stopwatch.GetTimestamp();
        }

        /// <summary>Records the elapsed time.</summary>
        public void Dispose() => _child?.Observe(Stopwatch.GetElapsedTime(_start).TotalSeconds);
    }
}
