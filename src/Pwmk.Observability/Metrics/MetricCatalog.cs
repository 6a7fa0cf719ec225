namespace Pwmk.Observability.Metrics;

/// <summary>The kind of a Prometheus metric.</summary>
public enum MetricKind
{
    /// <summary>A monotonically increasing count.</summary>
    Counter,
    /// <summary>A value that goes up and down.</summary>
    Gauge,
    /// <summary>Observations counted in buckets.</summary>
    Histogram,
}

/// <summary>One metric of the monitoring specification: exact name, type, label names, help text and buckets.</summary>
public sealed record MetricSpec(string Name, MetricKind Kind, string Help, string Label0, string Label1, double[]? Buckets = null)
{
    /// <summary>Label names in order.</summary>
    public IReadOnlyList<string> Labels => [Label0, Label1];
}

/// <summary>
/// The twelve metrics of the monitoring specification. Names are kept as specified (dashboards depend on them),
/// including the gauge <c>pwmk_belief_store_facts_total</c>, whose <c>_total</c> suffix <c>promtool check metrics</c>
/// flags ("non-counter metrics should not have _total suffix"); that is the one documented lint.
/// </summary>
public static class MetricCatalog
{
    // Buckets from measured distributions (docs/OPERATIONS.md, "Histogram buckets"; bench/monitoring/run.sh prints the shares):
    // a batch-1 inference takes tens of microseconds, an environment step a few, most searches of the simulation's agents
    // under a millisecond; each family keeps room up to its slow end, and the inference buckets hold 0.1 s, the
    // HighWorldModelLatency threshold, as a bound (its p95 is exact there).
    internal static readonly double[] InferenceBuckets = [0.00001, 0.000025, 0.00004, 0.00005, 0.000055, 0.00006, 0.000065, 0.00007, 0.000075, 0.0001, 0.00015, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.1, 0.25, 1];
    internal static readonly double[] QueryBuckets = [0.0000005, 0.000001, 0.0000015, 0.000002, 0.000003, 0.000004, 0.000005, 0.0000075, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
    internal static readonly double[] PlanningBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    internal static readonly double[] StepBuckets = [0.000001, 0.0000025, 0.000005, 0.0000075, 0.00001, 0.0000115, 0.000013, 0.000015, 0.00002, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.01, 0.1, 1];
    internal static readonly double[] LossBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    internal static readonly double[] QualityBuckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
    internal static readonly double[] LengthBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
    internal static readonly double[] RewardBuckets = [-100, -10, -5, -1, -0.5, 0, 0.5, 1, 5, 10, 50, 100];

    public const string TrainingLoss = "pwmk_world_model_training_loss";
    public const string InferenceSeconds = "pwmk_world_model_inference_seconds";
    public const string MemoryBytes = "pwmk_world_model_memory_bytes";
    public const string BeliefQueryDuration = "pwmk_belief_query_duration_seconds";
    public const string BeliefFacts = "pwmk_belief_store_facts_total";
    public const string BeliefUpdates = "pwmk_belief_updates_total";
    public const string PlanningDuration = "pwmk_planning_duration_seconds";
    public const string PlanningAttempts = "pwmk_planning_attempts_total";
    public const string PlanQuality = "pwmk_plan_quality_score";
    public const string EnvStepDuration = "pwmk_env_step_duration_seconds";
    public const string EpisodeLength = "pwmk_episode_length_steps";
    public const string EpisodeReward = "pwmk_episode_reward";

    /// <summary>Counts label values folded into <c>other</c> because a metric reached its series limit.</summary>
    public const string LabelOverflow = "pwmk_metric_label_overflow_total";

    /// <summary>Counts finished spans that never reached the collector, by <c>reason</c> (<c>queue_full</c>, <c>export_failed</c>).</summary>
    public const string SpansDropped = "pwmk_otel_spans_dropped_total";

    /// <summary>Counts finished spans the trace exporter delivered.</summary>
    public const string SpansExported = "pwmk_otel_spans_exported_total";

    /// <summary>All metrics of the specification, in its order.</summary>
    public static IReadOnlyList<MetricSpec> All { get; } =
    [
        new(TrainingLoss, MetricKind.Histogram, "World model training loss", "model_type", "agent_id", LossBuckets),
        new(InferenceSeconds, MetricKind.Histogram, "Time spent on world model inference", "model_type", "batch_size", InferenceBuckets),
        new(MemoryBytes, MetricKind.Gauge, "Memory usage by world model", "model_type", "component"),
        new(BeliefQueryDuration, MetricKind.Histogram, "Time spent on belief queries", "query_type", "complexity", QueryBuckets),
        new(BeliefFacts, MetricKind.Gauge, "Number of facts in belief store", "agent_id", "predicate_type"),
        new(BeliefUpdates, MetricKind.Counter, "Total number of belief updates", "agent_id", "update_type"),
        new(PlanningDuration, MetricKind.Histogram, "Time spent on planning", "planner_type", "horizon_length", PlanningBuckets),
        new(PlanningAttempts, MetricKind.Counter, "Total planning attempts", "planner_type", "success"),
        new(PlanQuality, MetricKind.Histogram, "Quality score of generated plans", "planner_type", "goal_type", QualityBuckets),
        new(EnvStepDuration, MetricKind.Histogram, "Time per environment step", "env_type", "num_agents", StepBuckets),
        new(EpisodeLength, MetricKind.Histogram, "Episode length in steps", "env_type", "success", LengthBuckets),
        new(EpisodeReward, MetricKind.Histogram, "Episode reward distribution", "env_type", "agent_id", RewardBuckets),
    ];

    /// <summary>Labels whose values come from a fixed small set and are never folded.</summary>
    internal static bool IsFixedLabel(string label) => label is "success";

    /// <summary>Labels holding counts; integer values are rounded up to a power of two to bound them.</summary>
    internal static bool IsNumericLabel(string label) => label is "batch_size" or "horizon_length" or "num_agents";

    /// <summary>Label text of a count: the next power of two (0 stays 0), "large" past 1024.</summary>
    internal static string PowerOfTwoLabel(long n)
    {
        if (n <= 0) return "0";
        if (n > 1024) return "large";
        long p = 1;
        while (p < n) p <<= 1;
        return p.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
