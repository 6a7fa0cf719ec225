namespace Pwmk.Core.Planning;

/// <summary>A planning run hit one of its size limits (worlds per state, nodes).</summary>
internal sealed class PlanningLimitException(string message) : Exception(message);
