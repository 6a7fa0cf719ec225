using System.Collections;
using Microsoft.AspNetCore.Http;

namespace Pwmk.Observability.Logging;

/// <summary>
/// The context fields of the specification (<c>request_id</c>, <c>agent_id</c>, <c>session_id</c>) as a logging scope:
/// every line written while the scope is open carries the fields that are set (inner scopes win), through awaits and tasks
/// (the logger factory's scope provider flows with the async context). The fields may be set after the scope opened: a
/// request's scope is opened by the host's middleware (<c>request_id</c>) and the endpoint adds the agent or session it
/// serves (<see cref="Of"/>), so the request's own log line, written last, carries them too.
/// <code>using (logger.BeginScope(new LogContext { SessionId = "sim-1" })) { logger.LogInformation("..."); }</code>
/// </summary>
public sealed class LogContext : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>The request this work serves.</summary>
    public string? RequestId { get; set; }

    /// <summary>The agent this work is about.</summary>
    public string? AgentId { get; set; }

    /// <summary>The session (a simulation: its id) this work belongs to.</summary>
    public string? SessionId { get; set; }

    /// <summary>The context of an HTTP request (opened by the observability middleware), or null outside one.</summary>
    public static LogContext? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<LogContext>();
    }

    /// <inheritdoc />
    public int Count => (RequestId is null ? 0 : 1) + (AgentId is null ? 0 : 1) + (SessionId is null ? 0 : 1);

    /// <inheritdoc />
    public KeyValuePair<string, object?> this[int index] => Fields().ElementAt(index);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Fields().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<KeyValuePair<string, object?>> Fields()
    {
        if (RequestId is not null) yield return new("request_id", RequestId);
        if (AgentId is not null) yield return new("agent_id", AgentId);
        if (SessionId is not null) yield return new("session_id", SessionId);
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", Fields().Select(f => f.Key + "=" + f.Value));
}
