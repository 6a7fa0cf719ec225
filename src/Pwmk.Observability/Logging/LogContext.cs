namespace Pwmk.Observability.Logging;

/// <summary>
/// Context fields of every log line written inside a scope (<c>request_id</c>, <c>agent_id</c>, <c>session_id</c>),
/// carried through async calls (AsyncLocal), as the specification's context filter does. Fields not set are absent.
/// <code>using (LogContext.Push(agentId: "sally", requestId: "obs_1a2b")) { logger.LogInformation("..."); }</code>
/// </summary>
public static class LogContext
{
    private static readonly AsyncLocal<Fields?> s_current = new();

    internal sealed record Fields(string? RequestId, string? AgentId, string? SessionId);

    internal static Fields? Current => s_current.Value;

    /// <summary>Sets context fields (null keeps the outer value) until the returned scope is disposed.</summary>
    public static IDisposable Push(string? requestId = null, string? agentId = null, string? sessionId = null)
    {
        var outer = s_current.Value;
        s_current.Value = new Fields(requestId ?? outer?.RequestId, agentId ?? outer?.AgentId, sessionId ?? outer?.SessionId);
        return new Scope(outer);
    }

    private sealed class Scope(Fields? outer) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            s_current.Value = outer;
        }
    }
}
