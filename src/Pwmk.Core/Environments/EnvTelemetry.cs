using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pwmk.Core.Environments;

/// <summary>
/// BCL-only environment metrics of the monitoring specification on Meter "Pwmk":
/// <c>pwmk_env_step_duration_seconds</c>, <c>pwmk_episode_length_steps</c>, <c>pwmk_episode_reward</c>.
/// </summary>
internal static class EnvTelemetry
{
    private static readonly ConcurrentDictionary<(string, int), Histogram<double>> s_stepDuration = new();

    private static readonly Histogram<long> s_episodeLength = PerspectiveEnv.Meter.CreateHistogram<long>(
        "pwmk_episode_length_steps", null, "Episode length in steps");

    private static readonly Histogram<double> s_episodeReward = PerspectiveEnv.Meter.CreateHistogram<double>(
        "pwmk_episode_reward", null, "Episode reward distribution");

    public static bool EpisodeEnabled => s_episodeLength.Enabled || s_episodeReward.Enabled;

    /// <summary>
    /// The step-duration instrument of one (environment type, agent count), with both labels as instrument tags: a
    /// step records only its value, so a listener resolves its series once per instrument instead of per step.
    /// </summary>
    public static Histogram<double> StepDuration(string envType, int numAgents) =>
        s_stepDuration.GetOrAdd((envType, numAgents), k => PerspectiveEnv.Meter.CreateHistogram<double>(
            "pwmk_env_step_duration_seconds", "s", "Time per environment step",
            [new("env_type", k.Item1), new("num_agents", k.Item2)]));

    public static void RecordEpisode(string envType, bool success, int steps, IReadOnlyList<string> agents, float[] returns)
    {
        s_episodeLength.Record(steps,
            new KeyValuePair<string, object?>("env_type", envType),
            new KeyValuePair<string, object?>("success", success ? "true" : "false"));
        for (int a = 0; a < returns.Length; a++)
        {
            s_episodeReward.Record(returns[a],
                new KeyValuePair<string, object?>("env_type", envType),
                new KeyValuePair<string, object?>("agent_id", agents[a]));
        }
    }
}
