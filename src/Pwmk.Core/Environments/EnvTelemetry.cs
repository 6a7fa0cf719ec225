using System.Diagnostics.Metrics;

namespace Pwmk.Core.Environments;

/// <summary>
/// BCL-only environment metrics of the monitoring specification on Meter "Pwmk":
/// <c>pwmk_env_step_duration_seconds</c>, <c>pwmk_episode_length_steps</c>, <c>pwmk_episode_reward</c>.
/// </summary>
internal static class EnvTelemetry
{
    private static readonly Histogram<double> s_stepDuration = PerspectiveEnv.Meter.CreateHistogram<double>(
        "pwmk_env_step_duration_seconds", "s", "Time per environment step");

    private static readonly Histogram<long> s_episodeLength = PerspectiveEnv.Meter.CreateHistogram<long>(
        "pwmk_episode_length_steps", null, "Episode length in steps");

    private static readonly Histogram<double> s_episodeReward = PerspectiveEnv.Meter.CreateHistogram<double>(
        "pwmk_episode_reward", null, "Episode reward distribution");

    public static bool StepTimingEnabled => s_stepDuration.Enabled;
    public static bool EpisodeEnabled => s_episodeLength.Enabled || s_episodeReward.Enabled;

    /// <summary>Records one step; <paramref name="numAgents"/> is a boxed int the caller keeps, so exporters can cache by reference.</summary>
    public static void RecordStep(string envType, object numAgents, double seconds) =>
        s_stepDuration.Record(seconds,
            new KeyValuePair<string, object?>("env_type", envType),
            new KeyValuePair<string, object?>("num_agents", numAgents));

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
