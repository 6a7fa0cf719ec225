using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;
using Pwmk.Core.Simulation;

namespace Pwmk.Observability.Health;

/// <summary><c>planning_engine</c>: the planner solves a one-action epistemic problem.</summary>
internal sealed class PlanningEngineHealthCheck : IHealthCheck
{
    private const string TinyPlan = """
        fluent door_open;
        action open;
        agent a;
        executable open if -door_open;
        open causes door_open;
        a observes open;
        initially -door_open;
        goal B(a, door_open);
        """;

    private static readonly MastarProblem s_problem = MastarProblem.Parse(TinyPlan, "health");

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var plan = MastarPlanner.Solve(s_problem, new PlanSearchOptions(SearchStrategy.Bfs, TimeSpan.FromSeconds(5)), cancellationToken);
        return Task.FromResult(plan.Solved
            ? HealthCheckResult.Healthy(data: new Dictionary<string, object> { ["last_plan_time"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) })
            : HealthCheckResult.Unhealthy("tiny plan not found: " + plan.Reason));
    }
}

/// <summary>
/// <c>environments</c>: every environment a simulation can run can be made, with an observation and an action space for
/// each agent (made only: stepping would count probe events in the environments' own counters).
/// </summary>
internal sealed class EnvironmentsHealthCheck : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        foreach (var name in EnvironmentCatalog.Names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var env = EnvironmentCatalog.Create(new SimulationSettings(Env: name, Agents: 2));
            foreach (var agent in env.Agents)
            {
                if (env.ActionSpace(agent).N < 1)
                    return Task.FromResult(HealthCheckResult.Unhealthy($"{name}: agent {agent} has no action"));
                _ = env.ObservationSpace(agent);
            }
        }
        return Task.FromResult(HealthCheckResult.Healthy(data: new Dictionary<string, object>
        {
            ["environments"] = string.Join(",", EnvironmentCatalog.Names),
        }));
    }
}

/// <summary><c>state_directory_writable</c> (readiness): a file can be created and removed in the state directory.</summary>
internal sealed class StateDirectoryHealthCheck(string directory) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".ready-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the state directory {directory} cannot be written: {e.Message}"));
        }
    }
}
