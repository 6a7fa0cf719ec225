using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pwmk.Observability.Hosting;

namespace Pwmk.Observability.Health;

/// <summary>
/// PWMK's health checks on ASP.NET Core's: component checks (tag <see cref="HealthTag"/>: answered by <c>/health</c> and
/// <c>/ready</c>) and readiness checks (tag <see cref="ReadyTag"/>: <c>/ready</c> only), each timed and run as a probe
/// (see <see cref="AddTimedCheck(IHealthChecksBuilder, string, Func{IServiceProvider, IHealthCheck}, TimeSpan?, bool)"/>),
/// and the JSON answers of the specification.
/// </summary>
public static class PwmkHealthChecks
{
    /// <summary>Tag of the component checks (<c>/health</c>, and part of <c>/ready</c>).</summary>
    public const string HealthTag = "health";

    /// <summary>Tag of the readiness-only checks (<c>/ready</c>).</summary>
    public const string ReadyTag = "ready";

    private static readonly DateTime s_processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    /// <summary>
    /// Registers a check made by <paramref name="factory"/> (once per service provider), run as a probe within
    /// <paramref name="timeout"/> (default <see cref="PwmkObservabilityOptions.HealthTimeoutSeconds"/>). Registering a
    /// name again replaces the earlier check.
    /// </summary>
    public static IHealthChecksBuilder AddTimedCheck(this IHealthChecksBuilder builder, string name, Func<IServiceProvider, IHealthCheck> factory,
        TimeSpan? timeout = null, bool readinessOnly = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton<TimedHealthChecks>();
        builder.Services.Configure<HealthCheckServiceOptions>(o =>
        {
            var old = o.Registrations.Where(r => r.Name == name).ToList();
            foreach (var r in old) o.Registrations.Remove(r);
        });
        return builder.Add(new HealthCheckRegistration(name,
            sp => sp.GetRequiredService<TimedHealthChecks>().Get(name, () => new TimedHealthCheck(factory(sp),
                timeout ?? TimeSpan.FromSeconds(sp.GetService<PwmkObservabilityOptions>()?.HealthTimeoutSeconds ?? 5))),
            failureStatus: null, tags: [readinessOnly ? ReadyTag : HealthTag]));
    }

    /// <summary>Registers a synchronous check (see the other overload).</summary>
    public static IHealthChecksBuilder AddTimedCheck(this IHealthChecksBuilder builder, string name, Func<CancellationToken, HealthCheckResult> check,
        TimeSpan? timeout = null, bool readinessOnly = false)
    {
        ArgumentNullException.ThrowIfNull(check);
        return builder.AddTimedCheck(name, _ => new DelegateCheck(check), timeout, readinessOnly);
    }

    private sealed class DelegateCheck(Func<CancellationToken, HealthCheckResult> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(check(cancellationToken));
    }

    // ------------------------------------------------------------------ answers

    /// <summary><c>/health</c>: <c>{"status": "healthy"|"unhealthy", "uptime_seconds", "checks": {name: {"status", ...}}}</c>.</summary>
    internal static Task WriteHealth(HttpContext context, HealthReport report) => Write(context, Health(report));

    /// <summary><c>/ready</c>: <c>{"status": "ready"|"not_ready", "health": {...}, "readiness": {name: bool}, "reasons": {name: why}}</c>.</summary>
    internal static Task WriteReady(HttpContext context, HealthReport report)
    {
        var health = Health(report);
        var readiness = new JsonObject();
        var reasons = new JsonObject();
        bool ready = (string?)health["status"] == "healthy";
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Tags.Contains(ReadyTag)))
        {
            bool ok = entry.Status == HealthStatus.Healthy;
            readiness[name] = ok;
            if (!ok) reasons[name] = entry.Description ?? entry.Exception?.Message ?? "not ready";
            ready &= ok;
        }
        var body = new JsonObject { ["status"] = ready ? "ready" : "not_ready", ["health"] = health, ["readiness"] = readiness };
        if (reasons.Count > 0) body["reasons"] = reasons;
        return Write(context, body);
    }

    private static JsonObject Health(HealthReport report)
    {
        var checks = new JsonObject();
        bool healthy = true;
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Tags.Contains(HealthTag)))
        {
            var o = new JsonObject
            {
                ["status"] = entry.Data.TryGetValue(TimedHealthCheck.StatusKey, out var s) ? s.ToString() : entry.Status == HealthStatus.Healthy ? "healthy" : "unhealthy",
            };
            if (entry.Status != HealthStatus.Healthy) o["error"] = entry.Description ?? entry.Exception?.Message ?? "unhealthy";
            foreach (var (k, v) in entry.Data)
                if (k != TimedHealthCheck.StatusKey) o[k] = JsonValue.Create(v);
            checks[name] = o;
            healthy &= entry.Status == HealthStatus.Healthy;
        }
        return new JsonObject
        {
            ["status"] = healthy ? "healthy" : "unhealthy",
            ["uptime_seconds"] = Math.Round((DateTime.UtcNow - s_processStart).TotalSeconds, 3),
            ["checks"] = checks,
        };
    }

    private static Task Write(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }
}
