namespace Pwmk.Logic.Tests.Sessions;

/// <summary>
/// Tests that watch the whole process (the shared atom table, threads running beside each other): they run after the
/// others, one class at a time, so that another test's atoms or threads cannot make them pass or fail.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone in the process";
}
