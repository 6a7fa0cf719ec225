using System.Text.Json;
using Pwmk.Core.Simulation;

namespace Pwmk.Cluster.Simulation;

/// <summary>
/// State of a simulation with the recent history of its episode rewards, training losses, the online world model's
/// one-step prediction error (mean squared error over all agents' observations) and the share of decisions its agents took
/// from a plan per episode, and what its agents said: how many claims and lies since it started, and the last few claims
/// (speaker, listeners, who believed it, whether it was true).
/// </summary>
public sealed record SimulationResponse(string Id, string Env, string Status, int Episode, int Step, long TotalSteps, double EpisodeReward,
    IReadOnlyList<string> Agents, int TomDepth, bool MirrorsBeliefs, DateTimeOffset Started, string? Error,
    IReadOnlyList<MetricPoint> Rewards, IReadOnlyList<MetricPoint> TrainingLoss, IReadOnlyList<MetricPoint> PredictionError,
    IReadOnlyList<MetricPoint> PlanRate, long Claims, long Lies, IReadOnlyList<SaidClaim> RecentClaims)
{
    /// <summary>What the agents plan with: simulator (a copy of the true environment) or learned (the online world model).</summary>
    public string Planner { get; init; } = SimulationSettings.SimulatorPlanner;

    /// <summary>The episode it resumed at from a saved state (after a restart, or on another cluster member), or null.</summary>
    public int? ResumedFrom { get; init; }

    /// <summary>The episode of the world model checkpoint it resumed with, or null when it started without one.</summary>
    public int? ModelResumedFrom { get; init; }

    /// <summary>The cluster member it runs on.</summary>
    public string? Member { get; init; }

    /// <summary>Its agents' names in the belief store (<c>POST /api/beliefs/query</c>), in the order of <see cref="Agents"/>: the agents' own names for the background simulation, prefixed by the simulation's id for the others.</summary>
    public IReadOnlyList<string> BeliefNames { get; init; } = [];
}

/// <summary>What the UI's live page shows of a simulation: its state, the world, each agent's view and their beliefs.</summary>
public sealed record LiveSimulation(SimulationResponse Simulation, RenderResponse World, IReadOnlyList<RenderResponse> Views, IReadOnlyList<AgentView> Agents);

/// <summary>The world seen by everyone or by one agent: text rows, '?' where the agent cannot see.</summary>
public sealed record RenderResponse(string Simulation, string? Agent, string Env, IReadOnlyList<string> Rows, int HiddenCells);

/// <summary>A recorded step in a timeline listing.</summary>
/// <param name="Sequence">Its number (use it with <c>/timeline/{sequence}</c>).</param>
/// <param name="Episode">The episode (0-based).</param>
/// <param name="Step">The step in the episode (0: after reset).</param>
/// <param name="Reward">Sum of the agents' rewards for the step.</param>
/// <param name="FalseBeliefs">Beliefs held after the step that differ from the world.</param>
public sealed record StepSummary(long Sequence, int Episode, int Step, double Reward, int FalseBeliefs);

/// <summary>The steps a simulation keeps for replay: sequence numbers <see cref="First"/> to <see cref="Next"/> - 1.</summary>
/// <param name="Simulation">The simulation's id.</param>
/// <param name="First">The oldest step kept.</param>
/// <param name="Next">The number the next step will get.</param>
/// <param name="Capacity">Steps kept at most (older ones are dropped).</param>
/// <param name="Steps">The listed steps (the page asked for).</param>
public sealed record TimelineResponse(string Simulation, long First, long Next, int Capacity, IReadOnlyList<StepSummary> Steps);

/// <summary>
/// An answer about a simulation as a grain sends it to another member: HTTP status, and the JSON body the API answers
/// (status 200) or the problem's detail (any other status).
/// </summary>
[GenerateSerializer, Immutable, Alias("pwmk.simulation-answer")]
public sealed record SimulationAnswer([property: Id(0)] int Status, [property: Id(1)] string Body)
{
    /// <summary>The API's JSON of <paramref name="value"/> (camelCase, as the HTTP API writes it).</summary>
    public static SimulationAnswer Ok<T>(T value) => new(200, JsonSerializer.Serialize(value, SimulationViews.Json));

    /// <summary>A problem with <paramref name="status"/> and <paramref name="detail"/>.</summary>
    public static SimulationAnswer Problem(int status, string detail) => new(status, detail);
}

/// <summary>The API's views of a running simulation, built on the member it runs on (one implementation for plain serve and grains).</summary>
public static class SimulationViews
{
    /// <summary>The HTTP API's JSON settings.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The simulation's state and histories.</summary>
    public static SimulationResponse Describe(SimulationRun r, string? member = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Id, r.EnvName, r.Status.ToString().ToLowerInvariant(), r.Episode, r.Step, r.TotalSteps, r.EpisodeReward, r.AgentNames,
            r.Parameters.TomDepth, r.MirrorsBeliefs, r.Started, r.Error, r.Rewards.Snapshot(), r.TrainingLoss.Snapshot(), r.PredictionError.Snapshot(),
            r.PlanRate.Snapshot(), r.Runner.Claims, r.Runner.Lies, r.Runner.RecentClaims())
        {
            Planner = r.Parameters.Planner,
            ResumedFrom = r.ResumedFrom,
            ModelResumedFrom = r.ModelResumedFrom,
            Member = member,
            BeliefNames = [.. r.AgentNames.Select(a => SimulationNames.BeliefName(r.Id, a))],
        };
    }

    /// <summary>The live page's view of <paramref name="run"/>.</summary>
    public static LiveSimulation Live(SimulationRun run, string? member)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new LiveSimulation(Describe(run, member), RenderOf(run, null), [.. run.AgentNames.Select(a => RenderOf(run, a))], run.Agents());
    }

    /// <summary>The world as <paramref name="agent"/> sees it (everyone when null); 404 for an agent the simulation does not have.</summary>
    public static SimulationAnswer Render(SimulationRun run, string? agent)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (agent is not null && !run.AgentNames.Contains(agent)) return SimulationAnswer.Problem(404, $"No agent '{agent}' in simulation '{run.Id}'.");
        return SimulationAnswer.Ok(RenderOf(run, agent));
    }

    /// <summary>The world as text rows, with the number of cells <paramref name="agent"/> cannot see.</summary>
    public static RenderResponse RenderOf(SimulationRun run, string? agent)
    {
        ArgumentNullException.ThrowIfNull(run);
        var text = run.Render(agent);
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int hidden = 0;
        if (run.EnvName != "rooms")
            foreach (var row in rows) hidden += row.Count(c => c == '?');
        else
            foreach (var row in rows) if (row.EndsWith(": ?", StringComparison.Ordinal)) hidden++;
        return new RenderResponse(run.Id, agent, run.EnvName, rows, hidden);
    }

    /// <summary>A page of the steps kept: <paramref name="count"/> from <paramref name="from"/> (default the latest).</summary>
    public static TimelineResponse Timeline(SimulationRun run, long? from, int count)
    {
        ArgumentNullException.ThrowIfNull(run);
        var t = run.Timeline;
        long next = t.Count;
        long start = from ?? Math.Max(0, next - count);
        var steps = t.Range(start, count).Select(r => new StepSummary(r.Sequence, r.Episode, r.Step, r.Reward, r.Beliefs.Count(b => b.False))).ToList();
        return new TimelineResponse(run.Id, t.First, next, t.Capacity, steps);
    }

    /// <summary>Step <paramref name="sequence"/> (the latest when null), or 404 saying which steps are kept.</summary>
    public static SimulationAnswer Step(SimulationRun run, long? sequence) => StepOf(run, sequence, out var missing) is { } record
        ? SimulationAnswer.Ok(record)
        : SimulationAnswer.Problem(404, missing!);

    /// <summary>Step <paramref name="sequence"/> (the latest when null), or null with why.</summary>
    public static StepRecord? StepOf(SimulationRun run, long? sequence, out string? missing)
    {
        ArgumentNullException.ThrowIfNull(run);
        var t = run.Timeline;
        missing = null;
        if (sequence is not { } seq)
        {
            if (t.Latest is { } latest) return latest;
            missing = $"Simulation '{run.Id}' has recorded no step yet.";
            return null;
        }
        if (t.Get(seq) is { } record) return record;
        missing = $"Simulation '{run.Id}' keeps steps {t.First}..{t.Count - 1}; step {seq} is not among them.";
        return null;
    }
}
